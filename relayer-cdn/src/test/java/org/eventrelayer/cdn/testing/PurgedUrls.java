package org.eventrelayer.cdn.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The URLs a stand-in cache or CDN was asked to purge, in arrival order, once per request that carried them.
 *
 * <p>A cache receives URLs, not events, so for the shared contract test ({@code received(stream)}) each purged URL
 * is turned back into the {@code resource_change} event it stands for: {@code meta.uri} is the URL and
 * {@code meta.id} is derived from it (so two purges of one URL are two entries with one id: duplicates still show
 * in the contract's counts). The stream is told by time: the contract runs one test at a time and asks for a
 * fixture's config ({@link #nextFixture()}) right before it builds that test's group, so the purges recorded since
 * then belong to the stream the test asks about first.
 */
public final class PurgedUrls {

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Purge(int fixture, String url) {}

  private final ConcurrentLinkedQueue<Purge> purges = new ConcurrentLinkedQueue<>();
  private final Map<String, Integer> fixtureOfStream = new ConcurrentHashMap<>();
  private final AtomicInteger fixture = new AtomicInteger();

  /** A new contract fixture (one test's group) starts: later purges are its own. */
  public void nextFixture() {
    fixture.incrementAndGet();
  }

  /** Records one purge of {@code url}. */
  public void add(String url) {
    purges.add(new Purge(fixture.get(), url));
  }

  /** Every URL purged so far, in order, with repeats. */
  public List<String> all() {
    List<String> out = new ArrayList<>();
    purges.forEach(p -> out.add(p.url()));
    return out;
  }

  /** How many purges of {@code url} arrived. */
  public long count(String url) {
    return purges.stream().filter(p -> p.url().equals(url)).count();
  }

  /** The purges of the contract's {@code stream}, each rebuilt as the event it stands for. */
  public List<String> eventsOf(String stream) {
    int mine = fixtureOfStream.computeIfAbsent(stream, s -> fixture.get());
    List<String> out = new ArrayList<>();
    for (Purge p : purges) {
      if (p.fixture() != mine) {
        continue;
      }
      String url = p.url();
      String host = java.net.URI.create(url).getHost();
      ObjectNode e = JSON.createObjectNode();
      e.put("$schema", "/resource_change/1.0.0");
      ObjectNode meta = e.putObject("meta");
      meta.put("uri", url);
      meta.put("id", UUID.nameUUIDFromBytes(url.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
      meta.put("dt", "2026-01-01T00:00:00.000Z");
      meta.put("domain", host);
      meta.put("stream", stream);
      e.putArray("tags").add("contract");
      out.add(e.toString());
    }
    return out;
  }
}
