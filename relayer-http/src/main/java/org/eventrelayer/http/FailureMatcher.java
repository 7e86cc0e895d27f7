package org.eventrelayer.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;

/**
 * Finds which event of a batch an intake's failure entry refers to: first by {@code meta.id}, else by JSON
 * content (tree equality, numbers compared by value, key order ignored). Each event is matched at most once, so
 * two listed copies of the same content match two events, and a third finds none.
 */
final class FailureMatcher {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Numbers equal by value ({@code 1}, {@code 1.0}); everything else by plain equality. */
  private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
    if (a.equals(b)) {
      return 0;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
    }
    return 1;
  };

  private final Batch batch;
  private final boolean[] taken;
  private final JsonNode[] parsed; // lazily, only if content matching is needed
  private final boolean[] unparseable;
  private Map<String, Deque<Integer>> byId;

  FailureMatcher(Batch batch) {
    this.batch = batch;
    int n = batch.size();
    this.taken = new boolean[n];
    this.parsed = new JsonNode[n];
    this.unparseable = new boolean[n];
  }

  /**
   * The index of the not yet matched event {@code listed} stands for, or -1.
   *
   * @param listed the entry's {@code event}: an object, or a string holding JSON; anything else matches nothing
   */
  int match(JsonNode listed) {
    JsonNode event = listed;
    if (event != null && event.isTextual()) {
      try {
        event = JSON.readTree(event.asText());
      } catch (IOException e) {
        return -1;
      }
    }
    if (event == null || !event.isObject()) {
      return -1;
    }
    JsonNode id = event.path("meta").path("id");
    if (id.isTextual()) {
      Deque<Integer> candidates = ids().get(id.asText());
      while (candidates != null && !candidates.isEmpty()) {
        int i = candidates.poll();
        if (!taken[i]) {
          taken[i] = true;
          return i;
        }
      }
    }
    for (int i = 0; i < taken.length; i++) {
      if (!taken[i]) {
        JsonNode mine = parsed(i);
        if (mine != null && mine.equals(BY_VALUE, event)) {
          taken[i] = true;
          return i;
        }
      }
    }
    return -1;
  }

  private Map<String, Deque<Integer>> ids() {
    if (byId == null) {
      byId = new HashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        String id = batch.events().get(i).id();
        if (id != null) {
          byId.computeIfAbsent(id, k -> new ArrayDeque<>()).add(i);
        }
      }
    }
    return byId;
  }

  private JsonNode parsed(int i) {
    if (parsed[i] == null && !unparseable[i]) {
      BatchEvent e = batch.events().get(i);
      try {
        parsed[i] = JSON.readTree(e.json());
      } catch (IOException ex) {
        unparseable[i] = true;
      }
    }
    return parsed[i];
  }
}
