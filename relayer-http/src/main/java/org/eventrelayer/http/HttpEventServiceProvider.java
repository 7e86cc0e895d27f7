package org.eventrelayer.http;

import org.eventrelayer.core.DeliveryEngine;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/**
 * The {@code http} event service: batches of JSON events POSTed to an EventGate-style intake, on OkHttp, behind
 * the shared delivery engine (queue, batching, retry, circuit breaker, stats).
 *
 * <p>Transport keys of an {@code eventServices.<name>} entry of type {@code http} (the engine's own keys —
 * {@code queueCapacity}, {@code maxBatchBytes}, {@code linger}, {@code retry.*}, {@code breaker.*}, ... — are
 * documented with the engine):
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}</td><td>(required)</td><td>the intake, {@code http://} or {@code https://}, e.g.
 *     {@code https://eventgate.example.org/v1/events}; no credentials in it (use {@code headers})</td></tr>
 * <tr><td>{@code timeout}</td><td>{@code 10s}</td><td>bound on one whole exchange: connect, send, answer</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>the smaller of {@code 5s} and {@code timeout}</td><td>bound on opening
 *     the connection (and TLS handshake); at most {@code timeout}</td></tr>
 * <tr><td>{@code readTimeout}</td><td>{@code timeout}</td><td>longest wait without progress while sending or
 *     reading; at most {@code timeout}</td></tr>
 * <tr><td>{@code hasty}</td><td>{@code false}</td><td>append {@code ?hasty=true}: the intake answers 202 before
 *     validating, so invalid events are not reported back</td></tr>
 * <tr><td>{@code headers.<Name>}</td><td>none</td><td>extra request headers, e.g. {@code headers.Authorization};
 *     values are never logged nor shown in errors; transport-owned headers (Content-Type, Host, ...) are
 *     refused</td></tr>
 * <tr><td>{@code trustStore}</td><td>the JVM's trust</td><td>file of trusted certificates for an https url: a PEM
 *     bundle, PKCS12 or JKS; when set, only these are trusted</td></tr>
 * <tr><td>{@code trustStorePassword}</td><td>none</td><td>its password, if it has one</td></tr>
 * <tr><td>{@code trustStoreType}</td><td>{@code pem} for .pem/.crt/.cer, {@code jks} for .jks, else
 *     {@code pkcs12}</td><td>{@code pem}, {@code pkcs12} or {@code jks}</td></tr>
 * <tr><td>{@code maxResponseBytes}</td><td>{@code 1MiB}</td><td>most bytes read of any answer; a 207 or 500 whose
 *     body is longer is unreadable (its events are resent once, in halves, until the answers fit), a longer 400
 *     dead-letters the batch</td></tr>
 * <tr><td>{@code maxInFlightRequests}</td><td>{@code 4}</td><td>batches outstanding at once (1 to 64), each on its
 *     own pooled connection, each answer mapped to its own batch; more are begun only while all goes well (no
 *     failure being retried, breaker closed, no {@code Retry-After}); 1 sends one batch at a time</td></tr>
 * </table>
 *
 * <p>Redirects are never followed (a redirect is reported as a failure naming its target). How each answer maps
 * to delivered / dead-lettered / retried is in the README's "HTTP outcomes" table.
 */
public final class HttpEventServiceProvider implements EventServiceProvider {

  /** The provider's name, used as {@code type: http}. */
  public static final String NAME = "http";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public HttpEventServiceProvider() {}

  /** Returns {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /**
   * Validates the transport keys, builds the OkHttp client (no network is touched) and starts the service's
   * delivery engine.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  @Override
  public EventService create(ServiceContext context) {
    return DeliveryEngine.start(context, NAME,
        transportContext -> HttpTransport.create(transportContext.name(), transportContext.config()));
  }
}
