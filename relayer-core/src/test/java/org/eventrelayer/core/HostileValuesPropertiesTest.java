package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * Generated hostile values thrown at {@code notifyMulti}: sizes claimed but not held, small structures sharing
 * one child until they expand past any limit, maps changed while read (by the value being read and by another
 * thread), maps that throw, and odd numbers. Every call returns only acceptances and refusals with a reason,
 * within a bounded time, and nothing accepted fails on the worker.
 */
class HostileValuesPropertiesTest {

  /** A generous bound: a call copies at most the service's 1 MiB limit, so this is never approached. */
  private static final Duration PER_CALL = Duration.ofSeconds(5);

  private static EventRelayerGroup group;
  private static String service;
  private static final Map<String, Object> CHURNING = Collections.synchronizedMap(new HashMap<>());
  private static Thread churner;
  private static volatile boolean churn = true;

  @BeforeContainer
  static void start() {
    service = Groups.uniqueService();
    group = Groups.purgeAndStreamGroup(service, Map.of("queueCapacity", 1_000_000, "queueBytes", "1GiB",
        "maxBatchBytes", "1MiB"));
    // A host map another thread keeps changing (HashMap itself, unsynchronized reads: what a careless host does).
    churner = new Thread(() -> {
      Map<String, Object> raw = new HashMap<>();
      CHURNING.put("map", raw);
      long i = 0;
      while (churn) {
        raw.put("k" + (i % 64), i);
        raw.remove("k" + ((i + 32) % 64));
        i++;
      }
    }, "host-mutator");
    churner.setDaemon(true);
    churner.start();
  }

  @AfterContainer
  static void stop() throws InterruptedException {
    churn = false;
    churner.join();
    group.close(Duration.ofSeconds(5));
  }

  private static Object shared(int depth, Object leaf) {
    Object node = leaf;
    for (int i = 0; i < depth; i++) {
      node = List.of(node, node, node);
    }
    return node;
  }

  private static List<Object> claiming(int size, Object element) {
    return new AbstractList<>() {
      @Override
      public Object get(int index) {
        return element;
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  private static Map<String, Object> throwing(RuntimeException e) {
    return new AbstractMap<>() {
      @Override
      public Set<Entry<String, Object>> entrySet() {
        throw e;
      }

      @Override
      public Object get(Object key) {
        throw e;
      }
    };
  }

  private static Map<String, Object> selfChanging() {
    Map<String, Object> m = new HashMap<>();
    m.put("a", new AbstractList<Object>() {
      @Override
      public Object get(int index) {
        m.put("x" + m.size(), index);
        return index;
      }

      @Override
      public int size() {
        return 3;
      }
    });
    m.put("b", 1);
    m.put("c", 2);
    return m;
  }

  /**
   * A hostile value, described: it is built in the test body, because jqwik hashes what it generates, and
   * hashing a structure sharing one child 3^24 times, or a map another thread is changing, is itself the attack.
   */
  private record Hostile(String kind, int size, int variant) {}

  private static final List<Object> NUMBERS = List.of(Double.NaN, Double.NEGATIVE_INFINITY, Float.NaN, -0.0, 1e308,
      Double.MIN_VALUE, Long.MIN_VALUE, new BigDecimal("1e400"), new BigDecimal("1.10"),
      new BigDecimal("1e-2147483647"), BigInteger.ONE.shiftLeft(3_000_000), BigInteger.TEN.pow(999),
      new AtomicLong(Long.MAX_VALUE), nanAdder());
  private static final List<Object> LEAVES = List.of("x", 7, "long string ".repeat(50));

  private static Object build(Hostile h) {
    Object leaf = LEAVES.get(h.variant() % LEAVES.size());
    return switch (h.kind()) {
      case "number" -> NUMBERS.get(h.variant() % NUMBERS.size());
      case "copies" -> Collections.nCopies(h.size(), leaf);
      case "claiming" -> claiming(h.size(), leaf);
      case "shared" -> shared(1 + h.size() % 24, leaf);
      case "bytes" -> new byte[h.size() % 30_000_000];
      case "ints" -> new int[h.size() % 8_000_000];
      default -> reader(h.variant() % 5);
    };
  }

  @Provide
  Arbitrary<List<Hostile>> events() {
    Arbitrary<Hostile> hostile = net.jqwik.api.Combinators.combine(
        Arbitraries.of("number", "copies", "claiming", "shared", "bytes", "ints", "reader", "reader-event", "same"),
        Arbitraries.integers().between(0, Integer.MAX_VALUE).withDistribution(
            net.jqwik.api.RandomDistribution.biased()),
        Arbitraries.integers().between(0, 100)).as(Hostile::new);
    return hostile.list().ofMinSize(1).ofMaxSize(4);
  }

  private static Object event(Hostile h) {
    return switch (h.kind()) {
      case "reader-event" -> reader(h.variant() % 5);
      case "same" -> Map.of("url", "https://h.org/same");
      default -> Map.of("v", build(h), "url", "https://h.org/p");
    };
  }

  /** A map that throws, changes while read, or is changed by another thread; or a sorted map of Integer keys. */
  private static Object reader(int kind) {
    return switch (kind) {
      case 0 -> throwing(new IllegalStateException("host"));
      case 1 -> throwing(new UnsupportedOperationException());
      case 2 -> selfChanging();
      case 3 -> CHURNING.get("map");
      default -> new TreeMap<>(Map.of(1, 2));
    };
  }

  private static DoubleAdder nanAdder() {
    DoubleAdder a = new DoubleAdder();
    a.add(Double.NaN);
    return a;
  }

  @Property(tries = 150)
  @SuppressWarnings("unchecked")
  void everyCallReturnsOnlyAcceptancesAndReasonedRefusalsInBoundedTime(
      @ForAll("events") List<Hostile> recipe, @ForAll boolean purge) {
    String channel = purge ? "cdn-url-purges" : "workspace-events";
    List<Object> events = recipe.stream().map(HostileValuesPropertiesTest::event).toList();
    long start = System.nanoTime();
    RelayResult r = group.getRelayer(channel).notifyMulti(channel, (List<Map<String, ?>>) (List<?>) events);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PER_CALL);
    Groups.assertEveryEventAnswered(r, events.size());
  }

  @Property(tries = 1)
  void nothingAcceptedFailsOnTheWorker() {
    assertThat(group.flush(Duration.ofSeconds(30))).isTrue();
    ServiceStats s = group.serviceStats().get(service);
    assertThat(s.deadLettered()).isZero();
    assertThat(s.accepted()).isEqualTo(s.delivered());
  }
}
