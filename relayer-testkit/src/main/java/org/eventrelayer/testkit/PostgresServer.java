package org.eventrelayer.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests and benchmarks: a fresh cluster ({@code initdb}) in a temp directory,
 * listening on a free port of 127.0.0.1 only, with its unix socket in that directory, stopped and deleted on
 * {@link #close()}. Uses the server binaries of the Debian package {@code postgresql}
 * ({@code scripts/services/postgresql.sh} installs it); a missing binary fails with a message saying so.
 * PostgreSQL refuses to run as root, so under root (as in CI) the server runs as the {@code postgres} user that
 * package creates (else {@code nobody}), via {@code runuser}.
 *
 * <p>{@link #shared()} starts one server per JVM, stopped when the JVM exits: tests share it and each uses a
 * database or table of its own. Connect as {@link #USER} with no password (trust authentication).
 */
public final class PostgresServer implements AutoCloseable {

  /** The superuser the cluster is created with. */
  public static final String USER = "postgres";
  /** Settings for tests: durability off (a test cluster dies with its temp dir anyway), so tests run fast. */
  public static final Map<String, String> FAST = Map.of("fsync", "off", "synchronous_commit", "off",
      "full_page_writes", "off", "max_connections", "100", "shared_buffers", "64MB");

  private static final String HOW_TO_GET = "run scripts/services/postgresql.sh (installs the Debian package "
      + "'postgresql'), or set EVENTRELAYER_PG_BIN (or -Deventrelayer.pg.bin) to a directory holding initdb, "
      + "pg_ctl and postgres";
  /** A system property naming the binaries' directory; wins over {@code EVENTRELAYER_PG_BIN} and the default. */
  public static final String BIN_PROPERTY = "eventrelayer.pg.bin";
  private static PostgresServer shared;

  private final Path bin;
  private final Path dir;
  private final List<String> runAs;
  private final int port;
  private boolean stopped;

  private PostgresServer(Path bin, Path dir, List<String> runAs, int port) {
    this.bin = bin;
    this.dir = dir;
    this.runAs = runAs;
    this.port = port;
  }

  /** The server of this JVM, started on first use with {@link #FAST} settings and stopped at exit. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      PostgresServer s = start(FAST);
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "postgres-server-stop"));
      shared = s;
    }
    return shared;
  }

  /**
   * Starts a server of its own with these {@code postgresql.conf} settings ({@code -c name=value}).
   *
   * @throws IllegalStateException if the binaries are missing (with how to get them) or the server fails to start
   */
  public static PostgresServer start(Map<String, String> settings) {
    Path bin = binaries();
    List<String> runAs = runAs();
    try {
      // Under another user the whole path must be open to it: /tmp is, java.io.tmpdir need not be.
      Path dir = runAs.isEmpty() ? Files.createTempDirectory("eventrelayer-pg-")
          : Files.createTempDirectory(Path.of("/tmp"), "eventrelayer-pg-");
      if (!runAs.isEmpty()) {
        exec(List.of("chown", runAs.get(2), dir.toString()), dir.resolve("chown.log"), 30);
      }
      List<String> initdb = new ArrayList<>(runAs);
      initdb.addAll(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
          "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"));
      exec(initdb, dir.resolve("initdb.log"), 120);
      IllegalStateException last = null;
      for (int attempt = 0; attempt < 3; attempt++) { // a free port may be taken between probe and bind
        int port = freePort();
        PostgresServer server = new PostgresServer(bin, dir, runAs, port);
        try {
          server.pgCtl(settings);
          return server;
        } catch (IllegalStateException e) {
          last = e;
        }
      }
      throw last;
    } catch (IOException e) {
      throw new UncheckedIOException("could not set up a PostgreSQL cluster", e);
    }
  }

  /** The port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** A JDBC URL of the {@code postgres} database, for user {@link #USER}. */
  public String jdbcUrl() {
    return jdbcUrl("postgres");
  }

  /** A JDBC URL of {@code database}, for user {@link #USER} (create it first, e.g. {@code CREATE DATABASE}). */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
  }

  /** Stops the server at once ({@code -m immediate}) and deletes its directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<String> stop = new ArrayList<>(runAs);
    stop.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
        "-w", "stop"));
    try {
      exec(stop, dir.resolve("stop.log"), 60);
    } catch (IOException | IllegalStateException e) {
      System.err.println("PostgresServer: stop failed: " + e);
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind is harmless
    }
  }

  @Override
  public String toString() {
    return "PostgresServer{127.0.0.1:" + port + ", " + dir + '}';
  }

  private void pgCtl(Map<String, String> settings) throws IOException {
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.put("listen_addresses", "127.0.0.1");
    StringBuilder options = new StringBuilder("-p " + port + " -k " + dir);
    all.forEach((k, v) -> options.append(" -c ").append(k).append('=').append(v));
    List<String> start = new ArrayList<>(runAs);
    start.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
        dir.resolve("server.log").toString(), "-w", "-t", "60", "-o", options.toString(), "start"));
    try {
      exec(start, dir.resolve("pg_ctl.log"), 90);
    } catch (IllegalStateException e) {
      Path log = dir.resolve("server.log");
      String tail = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      throw new IllegalStateException(e.getMessage() + "\nserver.log:\n" + tail, e);
    }
  }

  private static Path binaries() {
    String env = System.getProperty(BIN_PROPERTY, System.getenv("EVENTRELAYER_PG_BIN"));
    Optional<Path> found;
    if (env != null && !env.isBlank()) {
      found = Optional.of(Path.of(env));
    } else {
      try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
        found = versions.map(v -> v.resolve("bin"))
            .filter(b -> Files.isExecutable(b.resolve("initdb")))
            .max(Comparator.comparingInt(b -> version(b.getParent().getFileName().toString())));
      } catch (IOException e) {
        found = Optional.empty();
      }
    }
    Path bin = found.orElseThrow(() -> new IllegalStateException(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: " + HOW_TO_GET));
    for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
      if (!Files.isExecutable(bin.resolve(tool))) {
        throw new IllegalStateException("PostgreSQL binary " + bin.resolve(tool) + " is missing: " + HOW_TO_GET);
      }
    }
    return bin;
  }

  private static int version(String name) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code runuser -u <user> --} under root (PostgreSQL refuses root), else nothing. */
  private static List<String> runAs() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return List.of();
    }
    String user = "nobody";
    try {
      Process p = new ProcessBuilder("id", "-u", USER).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() == 0) {
        user = USER;
      }
    } catch (IOException e) {
      // no 'id': fall back to nobody
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return List.of("runuser", "-u", user, "--");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void exec(List<String> command, Path log, int seconds) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in " + seconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n"
          + Files.readString(log, StandardCharsets.UTF_8));
    }
  }
}
