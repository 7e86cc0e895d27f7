package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Block-drawn ids are canonical version 4, IETF-variant UUIDs, and distinct across blocks and threads. */
class RandomUuidsTest {

  @Test
  void everyIdIsARandomVersionFourUuidAndNoneRepeats() throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 3 * 256 + 7; i++) { // several blocks
      String id = RandomUuids.next();
      UUID u = UUID.fromString(id);
      assertThat(u.version()).isEqualTo(4);
      assertThat(u.variant()).isEqualTo(2);
      assertThat(u.toString()).isEqualTo(id).hasSize(36);
      assertThat(seen.add(id)).as("repeated: %s", id).isTrue();
    }
    String[] other = new String[1];
    Thread t = new Thread(() -> other[0] = RandomUuids.next());
    t.start();
    t.join();
    assertThat(seen).doesNotContain(other[0]);
  }
}
