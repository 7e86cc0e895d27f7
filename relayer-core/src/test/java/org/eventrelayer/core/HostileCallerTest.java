package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Supplier;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.RelayerStats;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a hostile or careless caller hands to {@code notifyMulti}: duplicates of refused events, values that claim
 * or expand to huge sizes, maps that throw or change while read. Each ends as an acceptance or a counted refusal
 * with a reason, at a cost bounded by the service's size limit; nothing is thrown at the caller.
 */
class HostileCallerTest {

  private String service;
  private EventRelayerGroup group;

  @BeforeEach
  void start() {
    service = Groups.uniqueService();
    group = Groups.purgeAndStreamGroup(service, Map.of("queueCapacity", 1, "coalesce", false));
  }

  @AfterEach
  void stop() {
    group.close(Duration.ofSeconds(1));
  }

  private RelayResult stream(Map<String, ?> event) {
    return group.getRelayer("workspace-events").notify("workspace-events", event);
  }

  private static Refusal only(RelayResult r) {
    assertThat(r.accepted()).isZero();
    assertThat(r.refused()).hasSize(1);
    assertThat(r.refused().get(0).detail()).isNotBlank();
    return r.refused().get(0);
  }

  @Test
  void aDuplicateSharesTheRefusalOfItsOriginalAndBothLevelsCountAlike() {
    ScriptedTransport.of(service).hang = new CountDownLatch(1); // nothing drains: the queue (capacity 1) stays full
    EventRelayer purges = group.getRelayer("cdn-url-purges");
    assertThat(purges.notify("cdn-url-purges", Map.of("url", "https://h.org/first")).accepted()).isEqualTo(1);

    String url = "https://h.org/x";
    RelayResult r = purges.notifyMulti("cdn-url-purges", List.of(Map.of("url", url), Map.of("url", url)));

    assertThat(r.accepted()).isZero();
    assertThat(r.refused()).extracting(Refusal::index).containsExactly(0, 1);
    assertThat(r.refused()).allSatisfy(x -> assertThat(x.reason()).isEqualTo(RefusalReason.QUEUE_FULL));
    assertThat(r.refused().get(1).detail()).contains("duplicate of event #0");
    assertThat(r.awaitDelivery(Duration.ofSeconds(1))).hasValueSatisfying(d -> assertThat(d.delivered()).isZero());
    RelayerStats rs = purges.stats();
    ServiceStats ss = group.serviceStats().get(service);
    assertThat(rs.accepted()).isEqualTo(ss.accepted()).isEqualTo(1);
    assertThat(rs.refusedTotal()).isEqualTo(ss.refused()).isEqualTo(1);
    assertThat(rs.duplicates()).isEqualTo(1);
  }

  @Test
  void aDuplicateOfAnAcceptedPurgeIsAcceptedWithItAndCountedApart() {
    EventRelayer purges = group.getRelayer("cdn-url-purges");
    String url = "https://h.org/y";
    RelayResult r = purges.notifyMulti("cdn-url-purges", List.of(Map.of("url", url), Map.of("url", url)));
    assertThat(r.accepted()).isEqualTo(2);
    assertThat(group.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(ScriptedTransport.of(service).events()).hasSize(1);
    assertThat(purges.stats().accepted()).isEqualTo(group.serviceStats().get(service).accepted()).isEqualTo(1);
    assertThat(purges.stats().duplicates()).isEqualTo(1);
  }

  /** Runs {@code call} and returns its result with what it allocated on this thread, in bytes. */
  private static <T> Measured<T> measured(Supplier<T> call) {
    var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(tid);
    long start = System.nanoTime();
    T value = call.get();
    long nanos = System.nanoTime() - start;
    return new Measured<>(value, bean.getThreadAllocatedBytes(tid) - before, Duration.ofNanos(nanos));
  }

  private record Measured<T>(T value, long allocated, Duration took) {}

  /**
   * The default maxBatchBytes is 4 MiB: a call copies at most that much JSON, in objects up to ~16 times larger
   * (a two-element list is ~80 bytes of objects for 9 of JSON), whatever its input claims. Before, a
   * byte[50_000_000] pre-sized a 200 MB list and shared nesting walked 64 MiB of JSON building a path per element.
   */
  private static final long BOUND = 128L << 20;

  @Test
  void aListClaimingTwoBillionElementsIsRefusedAsTooLargeWithoutAllocatingForThem() {
    Measured<RelayResult> m = measured(() -> stream(Map.of("v", Collections.nCopies(Integer.MAX_VALUE - 8, "x"))));
    assertThat(only(m.value()).reason()).isEqualTo(RefusalReason.EVENT_TOO_LARGE);
    assertThat(m.allocated()).isLessThan(BOUND);
  }

  @Test
  void aHugeByteArrayIsRefusedAfterCopyingOnlyUpToTheLimit() {
    byte[] huge = new byte[50_000_000];
    Measured<RelayResult> m = measured(() -> stream(Map.of("v", huge)));
    assertThat(only(m.value()).reason()).isEqualTo(RefusalReason.EVENT_TOO_LARGE);
    assertThat(m.allocated()).isLessThan(BOUND);
  }

  @Test
  void deeplySharedNestingIsRefusedAfterCopyingOnlyUpToTheLimit() {
    Object node = "x";
    for (int i = 0; i < 26; i++) {
      node = List.of(node, node); // a few hundred bytes of input, 2^26 leaves of output
    }
    Object shared = node;
    Measured<RelayResult> m = measured(() -> stream(Map.of("v", shared)));
    assertThat(only(m.value()).reason()).isEqualTo(RefusalReason.EVENT_TOO_LARGE);
    assertThat(m.allocated()).isLessThan(BOUND);
  }

  @Test
  void aHugeBigIntegerIsRefusedWithoutWritingItOut() {
    Map<String, ?> event = Map.of("v", BigInteger.ONE.shiftLeft(3_000_000));
    stream(event); // warm-up: the first call links its code paths, which allocates on this thread too
    Measured<RelayResult> m = measured(() -> stream(event));
    Refusal r = only(m.value());
    assertThat(r.reason()).isEqualTo(RefusalReason.UNSERIALIZABLE);
    assertThat(r.detail()).contains("1000 digits");
    assertThat(m.allocated()).isLessThan(1L << 20); // it is never turned into its 900,000 digits
  }

  @Test
  void aNanInANumberOfAnyKindFollowsTheDoubleRule() {
    DoubleAdder nan = new DoubleAdder();
    nan.add(Double.NaN);
    DoubleAdder inf = new DoubleAdder();
    inf.add(Double.POSITIVE_INFINITY);
    for (Object v : List.of(nan, inf, Double.NaN, Float.NEGATIVE_INFINITY)) {
      Refusal r = only(stream(Map.of("v", v)));
      assertThat(r.reason()).isEqualTo(RefusalReason.UNSERIALIZABLE);
      assertThat(r.detail()).contains("JSON has no NaN or infinity");
    }
  }

  @Test
  void aSortedMapWithNonStringKeysIsRefusedNotThrown() {
    TreeMap<Object, Object> sorted = new TreeMap<>();
    sorted.put(1, "one");
    @SuppressWarnings("unchecked")
    Map<String, ?> event = (Map<String, ?>) (Map<?, ?>) sorted;
    Refusal purge = only(group.getRelayer("cdn-url-purges").notify("cdn-url-purges", event));
    assertThat(purge.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
    assertThat(purge.detail()).contains("ClassCastException");
    assertThat(only(stream(event)).reason()).isEqualTo(RefusalReason.UNSERIALIZABLE);
  }

  @Test
  void aMapThatThrowsWhenReadIsRefusedWithTheExceptionNamed() {
    Map<String, Object> throwing = new AbstractMap<>() {
      @Override
      public Set<Entry<String, Object>> entrySet() {
        throw new IllegalStateException("host bug");
      }

      @Override
      public Object get(Object key) {
        throw new UnsupportedOperationException("host bug");
      }
    };
    Refusal s = only(stream(Map.of("nested", throwing)));
    assertThat(s.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
    assertThat(s.detail()).contains("IllegalStateException").contains("'nested'");
    Refusal p = only(group.getRelayer("cdn-url-purges").notify("cdn-url-purges", throwing));
    assertThat(p.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
    assertThat(p.detail()).contains("UnsupportedOperationException");
  }

  @Test
  void aMapChangedWhileItIsReadIsRefusedAsChanged() {
    Map<String, Object> event = new HashMap<>();
    // Reading this value changes the map it is in: the next step of the iteration sees the change.
    CharSequence mutator = new CharSequence() {
      @Override
      public int length() {
        return 1;
      }

      @Override
      public char charAt(int index) {
        return 'x';
      }

      @Override
      public CharSequence subSequence(int start, int end) {
        return this;
      }

      @Override
      public String toString() {
        event.put("added-" + event.size(), 1);
        return "x";
      }
    };
    event.put("a", mutator);
    event.put("b", 2);
    event.put("c", 3);
    Refusal r = only(stream(event));
    assertThat(r.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
    assertThat(r.detail()).contains("must not modify an event");
  }

  @Test
  void anEventHeldInAListThatThrowsOnGetIsRefusedAloneAndTheOthersStillGo() {
    List<Map<String, ?>> events = new java.util.AbstractList<>() {
      @Override
      public Map<String, ?> get(int i) {
        if (i == 1) {
          throw new IndexOutOfBoundsException("host bug");
        }
        return new LinkedHashMap<>(Map.of("n", i));
      }

      @Override
      public int size() {
        return 2;
      }
    };
    RelayResult r = group.getRelayer("workspace-events").notifyMulti("workspace-events", events);
    assertThat(r.accepted()).isEqualTo(1);
    assertThat(r.refused()).singleElement().satisfies(x -> {
      assertThat(x.index()).isEqualTo(1);
      assertThat(x.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
    });
  }
}
