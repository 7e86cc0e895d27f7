package org.eventrelayer.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.examples.demo.LocalEventGate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code notify} costs the caller's thread, with the HTTP intake healthy, its port closed (connection
 * refused), or hung (a socket that accepts and never answers). Sample mode gives the percentiles; run with
 * {@code -prof gc} for allocation per call and {@code -t 8} for eight callers.
 *
 * <p>Each iteration gets a fresh group whose queue is large enough that the measured path is the accepting one,
 * not the (cheaper) queue-full refusal; the refusals of an iteration, if any, are printed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"})
public class NotifyLatencyBenchmark {

  /** The state of the intake. */
  @Param({"healthy", "closed", "hung"})
  public String endpoint;

  private LocalEventGate gate;
  private ServerSocket hung;
  private EventRelayerGroup group;
  private EventRelayer relayer;

  /** Prebuilt events, so that the benchmark measures the relayer and not string building. */
  static final List<Map<String, ?>> ONE_URL_EVENTS = new ArrayList<>();
  static final List<List<Map<String, ?>>> HUNDRED_URL_CALLS = new ArrayList<>();

  static {
    for (int i = 0; i < 4096; i++) {
      ONE_URL_EVENTS.add(Map.of("url", "https://en.example.org/wiki/Benchmark_page_" + i));
    }
    for (int c = 0; c < 64; c++) {
      List<Map<String, ?>> call = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        call.add(Map.of("url", "https://en.example.org/wiki/Page_" + c + "_" + i));
      }
      HUNDRED_URL_CALLS.add(List.copyOf(call));
    }
  }

  /** Per-thread position in the prebuilt events. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  /** Starts the endpoint and a fresh group. */
  @Setup(Level.Iteration)
  public void setUp() throws IOException {
    String url = switch (endpoint) {
      case "healthy" -> {
        gate = LocalEventGate.builder().start();
        yield gate.url().toString();
      }
      case "closed" -> {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          port = s.getLocalPort();
        }
        yield "http://127.0.0.1:" + port + "/v1/events";
      }
      case "hung" -> {
        hung = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress()); // accepts (backlog), never answers
        yield "http://127.0.0.1:" + hung.getLocalPort() + "/v1/events";
      }
      default -> throw new IllegalArgumentException(endpoint);
    };
    group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge")),
        "eventServices", Map.of("eventgate", Map.of("type", "http", "url", url, "timeout", "2s",
            "queueCapacity", 8_000_000, "queueBytes", "3GiB"))));
    relayer = group.getRelayer("cdn-url-purges");
  }

  /** Closes the group and the endpoint; reports refusals, which would mean the queue bound was hit. */
  @TearDown(Level.Iteration)
  public void tearDown() throws IOException {
    long refused = group.serviceStats().get("eventgate").refused();
    if (refused > 0) {
      System.out.println("(" + endpoint + ": " + refused + " refusals this iteration)");
    }
    group.close(Duration.ofSeconds(2));
    if (gate != null) {
      gate.close();
      gate = null;
    }
    if (hung != null) {
      hung.close();
      hung = null;
    }
  }

  /** {@code notify} with one URL. */
  @Benchmark
  public RelayResult notifyOneUrl(Cursor c) {
    Map<String, ?> event = ONE_URL_EVENTS.get(c.next++ & 4095);
    return relayer.notify("cdn-url-purges", event);
  }

  /** {@code notifyMulti} with 100 distinct URLs. */
  @Benchmark
  public RelayResult notifyMultiHundredUrls(Cursor c) {
    return relayer.notifyMulti("cdn-url-purges", HUNDRED_URL_CALLS.get(c.next++ & 63));
  }
}
