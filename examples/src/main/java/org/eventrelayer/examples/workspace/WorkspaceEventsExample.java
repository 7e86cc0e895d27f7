package org.eventrelayer.examples.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.RelayerStats;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.WorkspaceEvent;

/**
 * A small workspace-style host (after KBase's workspace service) that announces its changes to Kafka through an
 * {@link EventRelayerGroup} built from KBase's own {@code deploy.cfg} listener keys. The group's relayer is of
 * type {@code workspace-event}: each event, built with {@link WorkspaceEvent}, is checked against the workspace's
 * event table and written as KBase's Kafka notifier writes it. The host's "requests" never wait on Kafka: each
 * call returns as soon as its events are queued, even with no broker running.
 *
 * <p>Run it from the repository root (it builds what it needs, then runs; no install):
 * <pre>
 * mvn -B -q -pl examples -am verify -DskipTests -Pworkspace -Dexec.args="127.0.0.1:9092 workspaceevents"
 * </pre>
 * Arguments, all optional: the bootstrap servers, the topic, and {@code --config <file>} to read another
 * deploy.cfg instead of the bundled {@code workspace/deploy.cfg}. Without a broker it prints what waits and why.
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
    // Without a broker kafka-clients warns about every reconnection attempt; the summary below says it once.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    Properties cfg = config(args);
    try (EventRelayerGroup group = EventRelayerGroup.fromProperties(cfg)) {
      EventRelayer relayer = group.getRelayer("workspace");
      Workspace ws = new Workspace(relayer);
      ws.announce(WorkspaceEvent.createWorkspace("alice", 42));
      for (int ver = 1; ver <= 3; ver++) {
        ws.announce(WorkspaceEvent.saveObject("alice", 42, 7, ver, "KBaseGenomes.Genome-8.2"));
      }
      ws.announce(WorkspaceEvent.renameObject("alice", 42, 7));
      // An administrator's permission change carries no user, as KBase allows for SET_PERMISSION.
      ws.announce(WorkspaceEvent.setPermission(null, 42, "r", List.of("bob", "carol")));
      // A host bug: a rename without the object it renamed. Refused at once, with the reason; nothing is sent.
      Map<String, Object> broken = WorkspaceEvent.renameObject("alice", 42, 7);
      broken.remove("objid");
      ws.announce(broken);

      boolean delivered = group.flush(Duration.ofSeconds(5));
      System.out.println();
      RelayerStats r = relayer.stats();
      System.out.printf("relayer %s (%s): accepted %d, refused %d%n", r.name(), r.type(), r.accepted(),
          r.refusedTotal());
      for (ServiceStats s : group.serviceStats().values()) {
        System.out.printf("service %s: delivered %d, queued %d, in flight %d, dead-lettered %d, breaker %s%n",
            s.name(), s.delivered(), s.queued(), s.inFlight(), s.deadLettered(), s.breakerState());
        if (s.lastError() != null) {
          System.out.println("  last error: " + s.lastError());
        }
      }
      System.out.println(delivered ? "all accepted events delivered"
          : "not everything was delivered within 5 s (is Kafka running at "
              + cfg.getProperty(LISTENER + "bootstrap.servers") + "?); close() now drops what is left, counted");
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

    /** Returns at once: the event is checked, copied and queued; Kafka is a worker thread's business. */
    void announce(Map<String, Object> event) {
      RelayResult r = events.notify("workspace", event);
      System.out.printf("%-22s wsid %s: %s%n", event.get("evtype"), event.get("wsid"),
          r.allAccepted() ? "queued" : "refused: " + r.refused().get(0).detail());
    }
  }
}
