package org.eventrelayer.cdn.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The URLs a stand-in cache or CDN was asked to purge, in arrival order, once per request that carried them.
 *
 * <p>A cache receives URLs, not events, so for the shared contract test ({@code received(stream)}) each purged URL
 * is turned back into the {@code resource_change} event it stands for: {@code meta.uri} is the URL and
 * {@code meta.id} its last path segment, which is where the contract's events carry their id (its
 * {@code validEvent(stream, id)} purges {@code .../wiki/<id>}, its purges are distinct pages of one stream), so the
 * contract sees the ids it sent; two purges of one URL are two entries with one id, so duplicates still show in
 * the contract's counts. A URL belongs to the stream whose name it contains (the contract's streams are named
 * {@code contract-purges-<n>-<hex>}, none containing another, and most of its URLs and ids name their stream);
 * a URL naming no stream belongs to the fixture it arrived in: the contract runs one test at a time and asks for
 * a fixture's config ({@link #nextFixture()}) right before it builds that test's group, so such purges recorded
 * since then belong to the stream the test asks about first.
 */
public final class PurgedUrls {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CONTRACT_STREAM = "contract-purges-";

  private record Purge(int fixture, String url) {}

  private final ConcurrentLinkedQueue<Purge> purges = new ConcurrentLinkedQueue<>();
  private final Map<String, Integer> fixtureOfStream = new ConcurrentHashMap<>();
  private final AtomicInteger fixture = new AtomicInteger();

  /** A new contract fixture (one test's group) starts: later purges naming no stream are its own. */
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
    Pattern named = Pattern.compile(Pattern.quote(stream) + "(?![A-Za-z0-9-])");
    int arrivedIn = fixtureOfStream.computeIfAbsent(stream, s -> fixture.get());
    List<String> out = new ArrayList<>();
    for (Purge p : purges) {
      String url = p.url();
      boolean mine = url.contains(CONTRACT_STREAM) ? named.matcher(url).find() : p.fixture() == arrivedIn;
      if (!mine) {
        continue;
      }
      ObjectNode e = JSON.createObjectNode();
      e.put("$schema", "/resource_change/1.0.0");
      ObjectNode meta = e.putObject("meta");
      meta.put("uri", url);
      meta.put("id", url.substring(url.lastIndexOf('/') + 1));
      meta.put("dt", "2026-01-01T00:00:00.000Z");
      meta.put("domain", URI.create(url).getHost());
      meta.put("stream", stream);
      e.putArray("tags").add("contract");
      out.add(e.toString());
    }
    return out;
  }
}
