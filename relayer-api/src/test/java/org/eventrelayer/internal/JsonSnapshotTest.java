package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.eventrelayer.RefusalReason;
import org.junit.jupiter.api.Test;

class JsonSnapshotTest {

  @Test
  void copiesDeeplySoTheHostMayMutateItsMapAfterwards() {
    Map<String, Object> inner = new HashMap<>(Map.of("k", "v"));
    List<Object> list = new ArrayList<>(List.of(1, "two"));
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("inner", inner);
    event.put("list", list);
    event.put("arr", new int[] {1, 2});
    event.put("n", new AtomicLong(7));
    event.put("big", new BigDecimal("1.50"));
    event.put("nothing", null);
    JsonSnapshot s = JsonSnapshot.of(event);
    inner.put("k", "changed");
    list.add("three");
    event.put("late", true);
    assertThat(s.problem()).isNull();
    assertThat(s.value()).containsOnlyKeys("inner", "list", "arr", "n", "big", "nothing");
    assertThat(s.value().get("inner")).isEqualTo(Map.of("k", "v"));
    assertThat(s.value().get("list")).isEqualTo(List.of(1, "two"));
    assertThat(s.value().get("arr")).isEqualTo(List.of(1, 2));
    assertThat(s.value().get("n")).isEqualTo(7L);
    assertThat(s.sizeHint()).isGreaterThan(40);
  }

  @Test
  void refusesWhatJsonCannotHoldWithThePath() {
    Map<String, Object> cyclic = new HashMap<>();
    cyclic.put("self", cyclic);
    assertThat(JsonSnapshot.of(cyclic).problem()).contains("nested deeper than");
    assertThat(JsonSnapshot.of(Map.of("a", Map.of("b", Double.NaN))).problem()).contains("'a.b'").contains("NaN");
    assertThat(JsonSnapshot.of(Map.of("a", List.of(new Object()))).problem()).contains("'a[0]'")
        .contains("java.lang.Object");
    assertThat(JsonSnapshot.of(Map.of("a", Map.of(1, "x"))).problem()).contains("java.lang.Integer key");
    JsonSnapshot surrogate = JsonSnapshot.of(Map.of("text", "broken \ud83d here"));
    assertThat(surrogate.problem()).contains("unpaired UTF-16 surrogate");
    assertThat(surrogate.problemReason()).isEqualTo(RefusalReason.UNSERIALIZABLE);
    assertThat(JsonSnapshot.of(Map.of("emoji", "fine \ud83d\ude00")).problem()).isNull();
  }

  @Test
  void refusesAHugeEventEarlyAsTooLarge() {
    List<String> big = new ArrayList<>();
    String chunk = "x".repeat(1 << 20);
    for (int i = 0; i < 70; i++) {
      big.add(chunk);
    }
    JsonSnapshot s = JsonSnapshot.of(Map.of("big", big));
    assertThat(s.problemReason()).isEqualTo(RefusalReason.EVENT_TOO_LARGE);
  }
}
