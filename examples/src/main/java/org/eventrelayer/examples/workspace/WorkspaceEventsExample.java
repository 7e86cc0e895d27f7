package org.eventrelayer.examples.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * A small workspace-style host (after KBase's workspace service) that announces its changes to Kafka through an
 * {@link EventRelayerGroup} built from a {@code deploy.cfg}-style properties file. The host's "requests" never
 * wait on Kafka: each call returns as soon as its events are queued, even with no broker running.
 *
 * <p>Run it with {@code mvn -pl examples exec:java
 * -Dexec.mainClass=org.eventrelayer.examples.workspace.WorkspaceEventsExample
 * -Dexec.args="127.0.0.1:9092 workspaceevents"}. Arguments, all optional: the bootstrap servers, the topic, and
 * {@code --config <file>} to read another deploy.cfg instead of the bundled {@code workspace/deploy.cfg}.
 */
public final class WorkspaceEventsExample {

  private static final String LISTENER = "listener-Kafka-config-";

  private WorkspaceEventsExample() {}

  /**
   * Publishes a few workspace events and prints what became of them.
   *
   * @param args {@code [bootstrap.servers] [topic] [--config deploy.cfg]}
   * @throws IOException if the config cannot be read
   */
  public static void main(String[] args) throws IOException {
    Properties cfg = config(args);
    try (EventRelayerGroup group = EventRelayerGroup.fromProperties(cfg)) {
      Workspace ws = new Workspace(group.getRelayer("workspace"));
      ws.createWorkspace("alice", 42);
      for (int ver = 1; ver <= 3; ver++) {
        ws.saveObject("alice", 42, 7, ver, "KBaseGenomes.Genome-8.2");
      }
      ws.renameObject("alice", 42, 7);
      ws.setPermissions(null, 42, "r", List.of("bob", "carol"));

      boolean delivered = group.flush(Duration.ofSeconds(10));
      for (ServiceStats s : group.serviceStats().values()) {
        System.out.printf("%s: delivered %d, queued %d, dead-lettered %d, breaker %s%s%n", s.name(), s.delivered(),
            s.queued(), s.deadLettered(), s.breakerState(),
            s.lastError() == null ? "" : ", last error: " + s.lastError());
      }
      System.out.println(delivered ? "all events delivered"
          : "not everything was delivered within 10 s (is Kafka running at "
              + cfg.getProperty(LISTENER + "bootstrap.servers") + "?)");
    }
  }

  /** The bundled deploy.cfg (or {@code --config}'s), with bootstrap servers and topic from the arguments. */
  static Properties config(String[] args) throws IOException {
    Properties p = new Properties();
    List<String> positional = new ArrayList<>();
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else {
        positional.add(args[i]);
      }
    }
    if (file != null) {
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      }
    } else {
      try (InputStream in = WorkspaceEventsExample.class.getResourceAsStream("/workspace/deploy.cfg")) {
        if (in == null) {
          throw new IOException("workspace/deploy.cfg is not on the class path");
        }
        p.load(in);
      }
    }
    if (positional.size() > 0) {
      p.setProperty(LISTENER + "bootstrap.servers", positional.get(0));
    }
    if (positional.size() > 1) {
      p.setProperty(LISTENER + "topic", positional.get(1));
    }
    return p;
  }

  /** The host: each operation changes its state (not modelled here) and announces the change. */
  static final class Workspace {

    private final EventRelayer events;

    Workspace(EventRelayer events) {
      this.events = events;
    }

    void createWorkspace(String user, long wsid) {
      announce(event(user, wsid, null, null, "WORKSPACE_STATE_CHANGE", null));
    }

    void saveObject(String user, long wsid, long objid, int ver, String type) {
      announce(event(user, wsid, objid, ver, "NEW_VERSION", type));
    }

    void renameObject(String user, long wsid, long objid) {
      announce(event(user, wsid, objid, null, "RENAME_OBJECT", null));
    }

    /** As in KBase, an administrator's permission change may carry no user. */
    void setPermissions(String user, long wsid, String perm, List<String> users) {
      Map<String, Object> e = event(user, wsid, null, null, "SET_PERMISSION", null);
      e.put("perm", perm);
      e.put("permusers", users);
      announce(e);
    }

    private static Map<String, Object> event(String user, long wsid, Long objid, Integer ver, String evtype,
        String objtype) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("user", user);
      e.put("wsid", wsid);
      e.put("objid", objid);
      e.put("ver", ver);
      e.put("time", System.currentTimeMillis());
      e.put("evtype", evtype);
      e.put("objtype", objtype);
      e.put("perm", null);
      e.put("permusers", List.of());
      return e;
    }

    private void announce(Map<String, Object> event) {
      // Returns at once: the event is validated, copied and queued; Kafka is a worker thread's business.
      RelayResult r = events.notify("workspace", event);
      System.out.printf("%-22s wsid %s: %s%n", event.get("evtype"), event.get("wsid"),
          r.allAccepted() ? "queued" : "refused " + r.refused());
    }
  }
}
