package org.eventrelayer.cdn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code varnishd} on a free 127.0.0.1 port, started by a test with the test's own VCL, its working dir in a
 * temp dir (so several run side by side), in the foreground as a child process so nothing outlives the test.
 * {@code -j none}: no privilege drop, so the same command works as root (CI) and as a normal user, and the
 * working dir stays the test's own. {@link #stop()} then {@link #start()} restarts it at the same address, with
 * an empty cache.
 *
 * <p>A missing {@code varnishd} fails the test with how to get it: {@code scripts/services/varnish.sh}.
 */
public final class LocalVarnish implements AutoCloseable {

  private static final String[] CANDIDATES = {"/usr/sbin/varnishd", "/usr/local/sbin/varnishd", "/usr/bin/varnishd"};

  private final Path dir;
  private final Path vclFile;
  private final int port;
  private final String binary;
  private Process process;

  private LocalVarnish(String vcl) throws IOException {
    this.binary = binary();
    this.dir = Files.createTempDirectory("varnish-test-");
    this.vclFile = dir.resolve("test.vcl");
    Files.writeString(vclFile, vcl, StandardCharsets.UTF_8);
    this.port = freePort();
  }

  /** Starts {@code varnishd} with {@code vcl} and waits until it accepts connections. */
  public static LocalVarnish start(String vcl) {
    try {
      LocalVarnish v = new LocalVarnish(vcl);
      v.start();
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A VCL in front of {@code 127.0.0.1:originPort} that lets {@code purgers} (an ACL entry, e.g.
   * {@code "127.0.0.1"}) send {@code PURGE} (purge the object), {@code BAN} (ban host and URL) and xkey purges
   * (the {@code xkey-purge} header), refusing others with 405, and caches what the origin marks cacheable.
   */
  public static String vcl(int originPort, String purgers, boolean xkey) {
    return "vcl 4.1;\n"
        + (xkey ? "import xkey;\n" : "")
        + "backend origin { .host = \"127.0.0.1\"; .port = \"" + originPort + "\"; }\n"
        + "acl purgers { " + purgers + "; }\n"
        + "sub vcl_recv {\n"
        + "  if (req.method == \"PURGE\") {\n"
        + "    if (client.ip !~ purgers) { return (synth(405, \"PURGE not allowed from this address\")); }\n"
        + (xkey ? "    if (req.http.xkey-purge) {\n"
                + "      set req.http.n-gone = xkey.purge(req.http.xkey-purge);\n"
                + "      return (synth(200, \"Invalidated \" + req.http.n-gone));\n"
                + "    }\n" : "")
        + "    return (purge);\n"
        + "  }\n"
        + "  if (req.method == \"BAN\") {\n"
        + "    if (client.ip !~ purgers) { return (synth(405, \"BAN not allowed from this address\")); }\n"
        + "    ban(\"req.http.host == \" + req.http.host + \" && req.url == \" + req.url);\n"
        + "    return (synth(200, \"Banned\"));\n"
        + "  }\n"
        + "}\n"
        // No HTML page in purge answers (the built-in vcl_synth writes one): less work per purge for the cache.
        + "sub vcl_synth {\n"
        + "  if (req.method == \"PURGE\" || req.method == \"BAN\") { return (deliver); }\n"
        + "}\n";
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}, as the {@code hosts} key wants it. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** Starts it (again) at the same address, empty, and waits until it accepts connections. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of(binary, "-F", "-n", dir.resolve("work").toString(),
        "-a", "127.0.0.1:" + port, "-T", "none", "-f", vclFile.toString(), "-s", "malloc,32m", "-j", "none",
        "-p", "vsl_space=1m", "-p", "thread_pools=1", "-p", "thread_pool_min=20",
        "-p", "thread_pool_max=200", "-p", "timeout_idle=5"));
    Path log = dir.resolve("varnishd.log");
    process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!accepts()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("varnishd did not start on " + hostPort() + ": " + Files.readString(log));
      }
      try {
        process.waitFor(50, TimeUnit.MILLISECONDS); // returns early only if it died, checked above
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting varnishd", e);
      }
    }
  }

  /** Stops it (the address stays reserved for {@link #start()}); its cache is gone. */
  public synchronized void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    process = null;
  }

  /** Stops it and deletes its temp dir. */
  @Override
  public void close() throws InterruptedException {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String binary() {
    String path = System.getenv("PATH") == null ? "" : System.getenv("PATH");
    for (String d : path.split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "varnishd"))) {
        return Path.of(d, "varnishd").toString();
      }
    }
    for (String c : CANDIDATES) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new IllegalStateException("varnishd is not installed: run scripts/services/varnish.sh (as root; it "
        + "installs the Debian packages varnish and varnish-modules), or put varnishd on the PATH");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
