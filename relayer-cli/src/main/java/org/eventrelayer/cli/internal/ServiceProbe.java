package org.eventrelayer.cli.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;

/**
 * One reachability probe per service, made from its config without sending an event: HTTP posts an empty batch
 * ({@code []}) with the service's headers and trust store, Kafka asks for the cluster's brokers
 * ({@code describeCluster}) with the service's client settings. Secret values are sent, never shown.
 */
public final class ServiceProbe {

  /**
   * What a probe found.
   *
   * @param ok whether the service is reachable and answered as a working destination would
   * @param detail what it answered, or why it failed
   */
  public record Result(boolean ok, String detail) {}

  private ServiceProbe() {}

  /** Probes {@code target}, waiting at most {@code timeout}. */
  public static Result probe(ServiceTarget target, Duration timeout) {
    return switch (target.type()) {
      case "http" -> http(target.settings(), timeout);
      case "kafka" -> kafka(target.settings(), timeout);
      default -> new Result(false, "type '" + target.type() + "' has no probe: not checked");
    };
  }

  private static Result http(Map<String, String> settings, Duration timeout) {
    String url = settings.get("url");
    if (url == null) {
      return new Result(false, "no url");
    }
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1);
    if (settings.containsKey("trustStore")) {
      try {
        builder.sslContext(ProbeTrust.sslContext(settings));
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        return new Result(false, "cannot load trustStore " + settings.get("trustStore") + ": " + e.getClass()
            .getSimpleName()); // the message may quote the password's effect; the class says enough
      }
    }
    HttpClient client = builder.build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("[]"));
    settings.forEach((k, v) -> {
      if (k.startsWith("headers.")) {
        request.header(k.substring("headers.".length()), v);
      }
    });
    String shown = shownUrl(url);
    long start = System.nanoTime();
    try {
      int status = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      String answered = shown + " answered " + status + " to an empty batch in " + millis + " ms";
      if (status / 100 == 2 || status == 400) {
        return new Result(true, answered);
      }
      if (status == 401 || status == 403) {
        return new Result(false, answered + ": credentials refused (check headers.Authorization)");
      }
      return new Result(false, answered + (status / 100 == 3 ? ": redirects are never followed; use the final url"
          : status == 404 ? ": no intake at this path" : ""));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, shown + ": interrupted");
    } catch (Exception e) {
      return new Result(false, shown + " unreachable: " + e);
    }
  }

  /** The url without user info or query, which may hold secrets. */
  private static String shownUrl(String url) {
    try {
      URI u = URI.create(url);
      return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + u.getRawPath();
    } catch (IllegalArgumentException e) {
      return "(malformed url)";
    }
  }

  private static Result kafka(Map<String, String> settings, Duration timeout) {
    String servers = settings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
    if (servers == null) {
      return new Result(false, "no bootstrap.servers");
    }
    Properties props = new Properties();
    settings.forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) {
        props.put(k, v);
      }
    });
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "eventrelayer-check");
    long start = System.nanoTime();
    try (Admin admin = Admin.create(props)) {
      DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis));
      int brokers = cluster.nodes().get(millis, TimeUnit.MILLISECONDS).size();
      String id = cluster.clusterId().get(millis, TimeUnit.MILLISECONDS);
      return new Result(true, servers + " answered in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
          + " ms: cluster " + id + ", " + brokers + " broker(s)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, servers + ": interrupted");
    } catch (ExecutionException e) {
      return new Result(false, servers + " unreachable: " + e.getCause());
    } catch (Exception e) {
      return new Result(false, servers + " unreachable: " + e);
    }
  }
}
