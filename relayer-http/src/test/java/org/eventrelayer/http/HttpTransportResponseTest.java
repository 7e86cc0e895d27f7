package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.eventrelayer.core.SendResult.Outcome.DELIVERED;
import static org.eventrelayer.core.SendResult.Outcome.INVALID;
import static org.eventrelayer.core.SendResult.Outcome.RETRY;
import static org.eventrelayer.core.SendResult.Outcome.UNKNOWN;
import static org.eventrelayer.http.TestEvents.batch;
import static org.eventrelayer.http.TestEvents.config;
import static org.eventrelayer.http.TestEvents.echoed;
import static org.eventrelayer.http.TestEvents.entry;
import static org.eventrelayer.http.TestEvents.multiStatus;
import static org.eventrelayer.http.TestEvents.purges;
import static org.eventrelayer.http.TestEvents.purgesWithoutId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.core.SendResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every answer of the EventGate contract, and a few beyond it, through a real HTTP exchange on loopback. */
@Timeout(60)
class HttpTransportResponseTest {

  private MockWebServer server;
  private HttpTransport transport;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(TestEvents.loopback(), 0);
    transport = transport();
  }

  @AfterEach
  void stop() {
    transport.close();
    server.close();
  }

  private String url() {
    return "http://127.0.0.1:" + server.getPort() + "/v1/events";
  }

  private HttpTransport transport(Object... kv) {
    return HttpTransport.create("test", config(url(), kv));
  }

  private SendResult answer(Batch batch, MockResponse response) throws Exception {
    server.enqueue(response);
    return transport.send(batch);
  }

  /** An answer with the status line a real server writes (MockWebServer's own phrases are generic). */
  static MockResponse.Builder line(int code) {
    return new MockResponse.Builder().status("HTTP/1.1 " + code + " " + ResponseMapper.standardPhrase(code));
  }

  private static MockResponse status(int code) {
    return line(code).build();
  }

  private static MockResponse json(int code, String body) {
    return line(code).setHeader("Content-Type", "application/json").body(body).build();
  }

  private static List<SendResult.Outcome> outcomes(SendResult r, int n) {
    return IntStream.range(0, n).mapToObj(r::outcome).toList();
  }

  @Test
  void postsTheBatchAsOneCompactJsonArrayWithTheConfiguredHeaders() throws Exception {
    transport.close();
    transport = transport("headers.Authorization", "Bearer abc", "headers.X-Client", "wiki");
    List<BatchEvent> events = purges(3);
    SendResult r = answer(batch(events), status(201));

    assertThat(outcomes(r, 3)).containsOnly(DELIVERED);
    RecordedRequest req = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(req.getMethod()).isEqualTo("POST");
    assertThat(req.getUrl().encodedPath()).isEqualTo("/v1/events");
    assertThat(req.getUrl().query()).isNull();
    assertThat(req.getHeaders().get("Content-Type")).isEqualTo("application/json");
    assertThat(req.getHeaders().get("Authorization")).isEqualTo("Bearer abc");
    assertThat(req.getHeaders().get("X-Client")).isEqualTo("wiki");
    assertThat(req.getHeaders().get("User-Agent")).isEqualTo("eventrelayer-http");
    String expected = "[" + events.get(0).jsonString() + "," + events.get(1).jsonString() + ","
        + events.get(2).jsonString() + "]";
    assertThat(req.getBody().utf8()).isEqualTo(expected);
    assertThat(req.getBodySize()).isEqualTo(batch(events).jsonArrayBytes());
  }

  @Test
  void created201AndAccepted202DeliverEverything() throws Exception {
    assertThat(outcomes(answer(batch(purges(2)), status(201)), 2)).containsOnly(DELIVERED);
    assertThat(outcomes(answer(batch(purges(2)), status(202)), 2)).containsOnly(DELIVERED);
    assertThat(outcomes(answer(batch(purges(2)), status(204)), 2)).containsOnly(DELIVERED);
  }

  @Test
  void hastyAppendsTheQueryParameterAnd202IsTheNormalAnswer() throws Exception {
    transport.close();
    transport = transport("hasty", "true");
    SendResult r = answer(batch(purges(2)), status(202));
    assertThat(outcomes(r, 2)).containsOnly(DELIVERED);
    RecordedRequest req = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(req.getUrl().queryParameter("hasty")).isEqualTo("true");
  }

  @Test
  void multiStatusListingTwoOfFiveMatchesThemByMetaId() throws Exception {
    List<BatchEvent> events = purges(5);
    // The intake echoes the events with their keys in another order, and adds a field to one: ids still match.
    ObjectNode changed = (ObjectNode) echoed(events.get(3));
    changed.put("added_by_intake", true);
    String body = multiStatus(
        List.of(entry(400, echoed(events.get(1)), Map.of("errorsText", "data/meta/dt must be string"))),
        List.of(entry(500, changed, Map.of("message", "kafka: broker not available"))));

    SendResult r = answer(batch(events), json(207, body));

    assertThat(outcomes(r, 5)).containsExactly(DELIVERED, INVALID, DELIVERED, RETRY, DELIVERED);
    assertThat(r.reason(1)).isEqualTo("http 207 Multi-Status: invalid 400: data/meta/dt must be string");
    assertThat(r.reason(3)).isEqualTo("http 207 Multi-Status: error 500: kafka: broker not available");
    assertThat(r.reason(0)).isNull();
    assertThat(r.hasRetries()).isTrue();
  }

  @Test
  void multiStatusMatchesAnEventWithoutMetaIdByContent() throws Exception {
    List<BatchEvent> events = purgesWithoutId(4);
    // Numbers compare by value: the intake may write 2 as 2.0.
    ObjectNode withNumber = (ObjectNode) TestEvents.tree(events.get(2).json());
    withNumber.put("n", 2);
    BatchEvent numbered = BatchEvent.of(TestEvents.STREAM, TestEvents.bytes(withNumber), null, null);
    List<BatchEvent> batchEvents = List.of(events.get(0), events.get(1), numbered, events.get(3));
    ObjectNode echo = (ObjectNode) echoed(numbered);
    echo.put("n", 2.0);
    String body = multiStatus(List.of(entry(400, echo, "bad")), List.of());

    SendResult r = answer(batch(batchEvents), json(207, body));

    assertThat(outcomes(r, 4)).containsExactly(DELIVERED, DELIVERED, INVALID, DELIVERED);
    assertThat(r.reason(2)).isEqualTo("http 207 Multi-Status: invalid 400: bad");
  }

  @Test
  void twoEventsSharingAMetaIdAreToldApartByContent() throws Exception {
    BatchEvent good = TestEvents.purge("https://en.example.org/wiki/Good", "same-id");
    BatchEvent bad = TestEvents.purge("https://en.example.org/wiki/Bad", "same-id");
    String body = multiStatus(List.of(entry(400, echoed(bad), "bad")), List.of());
    SendResult r = answer(batch(List.of(good, bad)), json(207, body));
    assertThat(outcomes(r, 2)).containsExactly(DELIVERED, INVALID);
  }

  @Test
  void anEchoWithAnIntegerRoundedByJavaScriptMatchesByContent() throws Exception {
    ObjectNode big = (ObjectNode) TestEvents.tree(purgesWithoutId(1).get(0).json());
    big.put("rev", 9_007_199_254_740_993L); // 2^53 + 1
    BatchEvent event = BatchEvent.of(TestEvents.STREAM, TestEvents.bytes(big), null, null);
    ObjectNode echo = (ObjectNode) echoed(event);
    echo.put("rev", 9_007_199_254_740_992L); // what JSON.parse makes of it
    SendResult r = answer(batch(List.of(purges(1).get(0), event)), json(207,
        multiStatus(List.of(entry(400, echo, "bad")), List.of())));
    assertThat(outcomes(r, 2)).containsExactly(DELIVERED, INVALID);
  }

  @Test
  void multiStatusWithTwoIdenticalEventsListedOnceFailsOnlyOneOfThem() throws Exception {
    BatchEvent twin = purgesWithoutId(1).get(0);
    String body = multiStatus(List.of(), List.of(entry(503, echoed(twin), null)));
    SendResult r = answer(batch(List.of(twin, twin)), json(207, body));
    assertThat(outcomes(r, 2)).containsExactly(RETRY, DELIVERED);
    assertThat(r.reason(0)).isEqualTo("http 207 Multi-Status: error 503");
  }

  @Test
  void multiStatusListingAnEventNeverSentMakesEveryUnlistedEventUnknown() throws Exception {
    List<BatchEvent> events = purges(3);
    BatchEvent stranger = purges(1).get(0);
    String body = multiStatus(List.of(entry(400, echoed(events.get(0)), "bad"), entry(400, echoed(stranger), "?")),
        List.of());

    SendResult r = answer(batch(events), json(207, body));

    // The matched invalid event is dead-lettered; no unlisted event is counted delivered: the engine resends them
    // in smaller batches to find out.
    assertThat(outcomes(r, 3)).containsExactly(INVALID, UNKNOWN, UNKNOWN);
    assertThat(r.reason(1)).contains("1 listed failure(s) match no event sent");
  }

  @Test
  void multiStatusEntriesWithoutUsableEventMakeTheUnlistedUnknown() throws Exception {
    List<BatchEvent> events = purges(2);
    ObjectNode noEvent = TestEvents.JSON.createObjectNode().put("status", 500);
    JsonNode notJson = TestEvents.JSON.getNodeFactory().textNode("{not json");
    String body = multiStatus(List.of(), List.of(noEvent, entry(500, notJson, null)));
    assertThat(outcomes(answer(batch(events), json(207, body)), 2)).containsOnly(UNKNOWN);
  }

  @Test
  void multiStatusAcceptsAnEventEchoedAsAJsonString() throws Exception {
    List<BatchEvent> events = purges(2);
    JsonNode asString = TestEvents.JSON.getNodeFactory().textNode(events.get(1).jsonString());
    String body = multiStatus(List.of(entry(400, asString, "bad")), List.of());
    assertThat(outcomes(answer(batch(events), json(207, body)), 2)).containsExactly(DELIVERED, INVALID);
  }

  @Test
  void multiStatusWithUnreadableOrEmptyBodyMakesTheWholeBatchUnknown() throws Exception {
    SendResult notJson = answer(batch(purges(2)), json(207, "<html>oops</html>"));
    assertThat(outcomes(notJson, 2)).containsOnly(UNKNOWN);
    assertThat(notJson.intakeFailure()).isFalse();
    assertThat(notJson.firstReason()).isEqualTo(
        "http 207 Multi-Status: body is not an {invalid, error} object, cannot tell which events failed");

    SendResult empty = answer(batch(purges(2)), status(207));
    assertThat(outcomes(empty, 2)).containsOnly(UNKNOWN);

    SendResult noFailures = answer(batch(purges(2)), json(207, "{\"invalid\":[],\"error\":[]}"));
    assertThat(outcomes(noFailures, 2)).containsOnly(UNKNOWN);
    assertThat(noFailures.firstReason()).contains("lists no failed event");
  }

  @Test
  void multiStatusBodyOverMaxResponseBytesMakesTheWholeBatchUnknown() throws Exception {
    transport.close();
    transport = transport("maxResponseBytes", "1KiB");
    List<BatchEvent> events = purges(20);
    String body = multiStatus(events.stream().map(e -> entry(400, echoed(e), "bad")).toList(), List.of());
    assertThat(body.length()).isGreaterThan(1024);
    SendResult r = answer(batch(events), json(207, body));
    assertThat(outcomes(r, 20)).containsOnly(UNKNOWN);
    assertThat(r.firstReason()).isEqualTo(
        "http 207 Multi-Status: body over maxResponseBytes (1024), cannot tell which events failed");
  }

  @Test
  void badRequestWithInvalidListDeadLettersEverythingWithTheirReasons() throws Exception {
    List<BatchEvent> events = purges(3);
    String body = multiStatus(List.of(entry(400, echoed(events.get(0)), "no dt"),
        entry(400, echoed(events.get(2)), Map.of("errors", List.of(Map.of("message", "tags must be unique"))))),
        List.of());
    // Some intakes drop the empty "error" list.
    body = body.replace(",\"error\":[]", "");

    SendResult r = answer(batch(events), json(400, body));

    assertThat(outcomes(r, 3)).containsOnly(INVALID);
    assertThat(r.reason(0)).isEqualTo("http 400 Bad Request: invalid 400: no dt");
    assertThat(r.reason(1)).isEqualTo("http 400 Bad Request: the intake rejected the whole request");
    assertThat(r.reason(2)).isEqualTo("http 400 Bad Request: invalid 400: tags must be unique");
    assertThat(r.hasRetries()).isFalse();
  }

  @Test
  void badRequestWithEmptyBodyIsAClientBug() throws Exception {
    SendResult r = answer(batch(purges(2)), status(400));
    assertThat(outcomes(r, 2)).containsOnly(INVALID);
    assertThat(r.firstReason()).startsWith("client bug: intake answered 400 with empty body");
  }

  @Test
  void badRequestWithAnyOtherBodyDeadLettersTheBatchWithItsDetail() throws Exception {
    SendResult html = answer(batch(purges(2)), json(400, "<html>bad</html>"));
    assertThat(outcomes(html, 2)).containsOnly(INVALID);
    assertThat(html.firstReason()).isEqualTo("http 400 Bad Request");

    SendResult problem = answer(batch(purges(1)),
        new MockResponse.Builder().status("HTTP/1.1 400 1 out of 1 events were invalid")
            .body("{\"status\":400,\"type\":\"bad_request\",\"title\":\"Bad Request\",\"detail\":\"no events\"}")
            .build());
    assertThat(problem.firstReason()).isEqualTo("http 400 1 out of 1 events were invalid: no events");
  }

  @Test
  void serverErrorWithPerEventListsIsMappedLikeMultiStatusButUnlistedAreRetried() throws Exception {
    List<BatchEvent> events = purges(4);
    String body = multiStatus(List.of(entry(400, echoed(events.get(0)), "bad")),
        List.of(entry(500, echoed(events.get(1)), "down"), entry(500, echoed(events.get(2)), "down")));

    SendResult r = answer(batch(events), json(500, body));

    assertThat(outcomes(r, 4)).containsExactly(INVALID, RETRY, RETRY, RETRY);
    assertThat(r.reason(1)).isEqualTo("http 500 Internal Server Error: error 500: down");
    assertThat(r.reason(3)).isEqualTo("http 500 Internal Server Error: not accepted");
  }

  @Test
  void serverErrorAtRequestLevelRetriesTheBatch() throws Exception {
    SendResult r = answer(batch(purges(2)), json(500,
        "{\"status\":500,\"type\":\"internal_error\",\"title\":\"Internal Server Error\","
            + "\"detail\":\"Unexpected token\"}"));
    assertThat(outcomes(r, 2)).containsOnly(RETRY);
    assertThat(r.firstReason()).isEqualTo("http 500 Internal Server Error: Unexpected token");
    assertThat(r.retryAfter()).isNull();
  }

  @Test
  void otherServerErrorsRetryTheBatch() throws Exception {
    for (int code : new int[] {502, 504, 599}) {
      SendResult r = answer(batch(purges(1)), status(code));
      assertThat(r.outcome(0)).isEqualTo(RETRY);
      assertThat(r.firstReason()).startsWith("http " + code);
    }
    assertThat(answer(batch(purges(1)), status(502)).firstReason()).isEqualTo("http 502 Bad Gateway");
    // No reason phrase (as in HTTP/2): the standard one is used.
    assertThat(answer(batch(purges(1)), new MockResponse.Builder().status("HTTP/1.1 504 ").build()).firstReason())
        .isEqualTo("http 504 Gateway Timeout");
  }

  @Test
  void tooManyRequestsHonoursRetryAfterInSeconds() throws Exception {
    SendResult r = answer(batch(purges(2)),
        line(429).setHeader("Retry-After", "7").build());
    assertThat(outcomes(r, 2)).containsOnly(RETRY);
    assertThat(r.firstReason()).isEqualTo("http 429 Too Many Requests");
    assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void serviceUnavailableHonoursRetryAfterAsHttpDate() throws Exception {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(120));
    SendResult r = answer(batch(purges(1)),
        line(503).setHeader("Retry-After", date).build());
    assertThat(r.outcome(0)).isEqualTo(RETRY);
    assertThat(r.firstReason()).isEqualTo("http 503 Service Unavailable");
    assertThat(r.retryAfter()).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(121));

    SendResult none = answer(batch(purges(1)), status(503));
    assertThat(none.retryAfter()).isNull();
    SendResult unreadable = answer(batch(purges(1)), line(503).setHeader("Retry-After", "soon").build());
    assertThat(unreadable.retryAfter()).isNull();
    SendResult past = answer(batch(purges(1)),
        line(429).setHeader("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT").build());
    assertThat(past.retryAfter()).isEqualTo(Duration.ZERO);
  }

  @Test
  void otherClientErrorsAreRetriedAsConfigurationProblems() throws Exception {
    for (int code : new int[] {401, 403, 404, 405, 408, 413, 415, 422}) {
      SendResult r = answer(batch(purges(2)), status(code));
      assertThat(outcomes(r, 2)).as("http %d", code).containsOnly(RETRY);
      assertThat(r.firstReason()).startsWith("http " + code).endsWith("(check the service's url and headers)");
    }
    assertThat(answer(batch(purges(1)), status(401)).firstReason())
        .isEqualTo("http 401 Unauthorized (check the service's url and headers)");
  }

  @Test
  void redirectsAreNotFollowedAndNamedInTheReason() throws Exception {
    SendResult r = answer(batch(purges(1)), line(301)
        .setHeader("Location", "https://user:pw@eventgate.example.org/v1/events?token=x").build());
    assertThat(r.outcome(0)).isEqualTo(RETRY);
    assertThat(r.firstReason()).isEqualTo("http 301 Moved Permanently: redirect to "
        + "https://eventgate.example.org/v1/events not followed; fix the service's url");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aHostileHugeBodyIsNeverReadBeyondTheLimit() throws Exception {
    // 100 MB announced, streamed lazily by the server: the transport reads at most maxResponseBytes + 1.
    for (boolean chunked : new boolean[] {false, true}) {
      server.enqueue(line(207).body(new Endless(100L << 20, chunked)).build());
      SendResult r = transport.send(batch(purges(2)));
      assertThat(outcomes(r, 2)).containsOnly(UNKNOWN);
      assertThat(r.firstReason()).contains("body over maxResponseBytes (1048576)");
    }
    // Ignored bodies of delivered batches are not read either.
    server.enqueue(line(201).body(new Endless(100L << 20, false)).build());
    assertThat(transport.send(batch(purges(1))).outcome(0)).isEqualTo(DELIVERED);
    // And the transport still works afterwards.
    assertThat(answer(batch(purges(1)), status(201)).outcome(0)).isEqualTo(DELIVERED);
  }

  @Test
  void emptyBatchSendsNothing() throws Exception {
    assertThat(transport.send(batch(List.of())).hasRetries()).isFalse();
    assertThat(server.getRequestCount()).isZero();
  }

  /** A body of {@code size} bytes of spaces, written as the client reads it; a {@code -1} length when chunked. */
  private static final class Endless implements mockwebserver3.MockResponseBody {
    private final long size;
    private final boolean chunked;

    Endless(long size, boolean chunked) {
      this.size = size;
      this.chunked = chunked;
    }

    @Override
    public long getContentLength() {
      return chunked ? -1 : size;
    }

    @Override
    public void writeTo(okio.BufferedSink sink) throws IOException {
      byte[] chunk = " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
      Buffer buffer = new Buffer();
      for (long written = 0; written < size; written += chunk.length) {
        buffer.write(chunk);
        sink.write(buffer, buffer.size());
        sink.flush();
      }
    }
  }
}
