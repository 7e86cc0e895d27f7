package org.eventrelayer.benchmarks.cdn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.benchmarks.Bench;
import org.eventrelayer.cdn.testing.LocalVarnish;
import org.eventrelayer.http.NoDelaySocketFactory;

/**
 * Purges per second into one local Varnish (started here, 127.0.0.1): {@code type: varnish} fed by
 * {@code notifyMulti} against a plain OkHttp loop sending the same {@code PURGE}s one after the other over one
 * keep-alive connection, in the same run, alternating the order each round; round 0 warms both up and is not
 * counted. Relayer side: from the first {@code notifyMulti} until {@code flush} returned (every purge answered by
 * Varnish). Every purge of both sides must be answered 200.
 *
 * <p>Options: {@code --purges N} (50000), {@code --rounds R} (3), {@code --connections C} (8: the relayer's
 * {@code connectionsPerHost}), {@code --out file.json}.
 */
public final class VarnishThroughputHarness {

  private VarnishThroughputHarness() {}

  @SuppressWarnings("try") // LocalVarnish.close() may throw InterruptedException: main lets it end the run
  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int purges = Bench.intArg(args, "purges", 50_000);
    int rounds = Bench.intArg(args, "rounds", 3);
    int connections = Bench.intArg(args, "connections", 8);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "varnish");
    out.put("purges", purges);
    out.put("loadAverageStart", Bench.loadAverage());
    List<Double> relayer = new ArrayList<>();
    List<Double> plain = new ArrayList<>();
    try (LocalVarnish varnish = LocalVarnish.start(LocalVarnish.vcl(1, "\"127.0.0.1\"", false))) {
      for (int round = 0; round <= rounds; round++) {
        boolean relayerFirst = round % 2 == 0;
        double a = relayerFirst ? relayer(varnish, purges, round, connections) : plain(varnish, purges, round);
        double b = relayerFirst ? plain(varnish, purges, round) : relayer(varnish, purges, round, connections);
        double r = relayerFirst ? a : b;
        double p = relayerFirst ? b : a;
        System.out.printf("round %d%s: type varnish %.0f purges/s, plain OkHttp loop %.0f purges/s (%.2fx)%n", round,
            round == 0 ? " (warm-up)" : "", r, p, r / p);
        if (round > 0) {
          relayer.add(r);
          plain.add(p);
        }
      }
    }
    double mr = Bench.median(relayer);
    double mp = Bench.median(plain);
    out.put("relayerPurgesPerSecond", relayer);
    out.put("plainPurgesPerSecond", plain);
    out.put("relayerMedian", mr);
    out.put("plainMedian", mp);
    out.put("ratio", mr / mp);
    out.put("loadAverageEnd", Bench.loadAverage());
    System.out.printf("median: type varnish %.0f purges/s, plain OkHttp loop %.0f purges/s, ratio %.2fx%n", mr, mp,
        mr / mp);
    if (args.containsKey("out")) {
      Files.writeString(Path.of(args.get("out")), Bench.JSON.writeValueAsString(out));
    }
  }

  private static String url(int round, int i) {
    return "https://en.example.org/wiki/Round_" + round + "_Page_" + i;
  }

  private static double relayer(LocalVarnish varnish, int purges, int round, int connections) {
    Map<String, Object> service = Map.of("type", "varnish", "hosts", varnish.hostPort(),
        "connectionsPerHost", Integer.toString(connections),
        "queueCapacity", Integer.toString(purges + 1000), "queueBytes", "1GiB", "maxBatchEvents", "1000",
        Bench.COALESCE_KEY, "false");
    try (EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge"),
            "default", Map.of("type", "none")),
        "eventServices", Map.of("varnish", service)))) {
      EventRelayer relayer = group.getRelayer("cdn-url-purges");
      long start = System.nanoTime();
      for (int from = 0; from < purges; from += 1000) {
        List<Map<String, Object>> call = new ArrayList<>(1000);
        for (int i = from; i < Math.min(purges, from + 1000); i++) {
          call.add(Map.of("url", url(round, i)));
        }
        RelayResult r = relayer.notifyMulti("cdn-url-purges", call);
        if (!r.allAccepted()) {
          throw new IllegalStateException("refused: " + r.refused().get(0));
        }
      }
      if (!group.flush(Duration.ofMinutes(5))) {
        throw new IllegalStateException("flush timed out");
      }
      long nanos = System.nanoTime() - start;
      ServiceStats s = group.serviceStats().get("varnish");
      if (s.delivered() != purges) {
        throw new IllegalStateException("varnish delivered " + s.delivered() + " of " + purges + ": " + s);
      }
      return purges / (nanos / 1e9);
    }
  }

  private static double plain(LocalVarnish varnish, int purges, int round) throws IOException {
    OkHttpClient client = new OkHttpClient.Builder().socketFactory(new NoDelaySocketFactory())
        .protocols(List.of(Protocol.HTTP_1_1)).retryOnConnectionFailure(false).build();
    try {
      String base = "http://" + varnish.hostPort();
      long start = System.nanoTime();
      for (int i = 0; i < purges; i++) {
        String u = url(round, i);
        int slash = u.indexOf('/', "https://".length());
        Request request = new Request.Builder().url(base + u.substring(slash))
            .header("Host", u.substring("https://".length(), slash)).method("PURGE", null).build();
        try (Response response = client.newCall(request).execute()) {
          response.body().bytes();
          if (response.code() != 200) {
            throw new IllegalStateException("PURGE answered " + response.code());
          }
        }
      }
      return purges / ((System.nanoTime() - start) / 1e9);
    } finally {
      client.dispatcher().executorService().shutdownNow();
      client.connectionPool().evictAll();
    }
  }
}
