package org.eventrelayer.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;

/**
 * Finds which event of a batch an intake's failure entry refers to, by {@code meta.id} and content together: an
 * entry whose id belongs to one event of the batch is that event; when several events share the id, the one with
 * the same content is; an entry without an id is the event with the same content. Content is compared as the intake
 * sees it: JSON trees with key order ignored and numbers compared as JavaScript doubles (EventGate parses events in
 * JavaScript, so an integer beyond 2^53 comes back rounded and {@code 1.10} as {@code 1.1}). Each event is matched
 * at most once, so two listed copies of the same content match two events, and a third finds none.
 */
final class FailureMatcher {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Numbers equal as JavaScript doubles ({@code 1}, {@code 1.0}, 2^53 + 1 and 2^53); the rest plainly. */
  private static final Comparator<JsonNode> AS_JAVASCRIPT = (a, b) -> {
    if (a.equals(b)) {
      return 0;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.doubleValue() == b.doubleValue() ? 0 : 1;
    }
    return 1;
  };

  private final Batch batch;
  private final boolean[] taken;
  private final JsonNode[] parsed; // lazily, only if content matching is needed
  private final boolean[] unparseable;
  private Map<String, List<Integer>> byId;

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
      List<Integer> candidates = ids().getOrDefault(id.asText(), List.of()).stream().filter(i -> !taken[i]).toList();
      if (candidates.size() == 1) {
        return take(candidates.get(0));
      }
      for (int i : candidates) { // several events share the id: only the content tells them apart
        if (sameContent(i, event)) {
          return take(i);
        }
      }
      return -1;
    }
    for (int i = 0; i < taken.length; i++) {
      if (!taken[i] && sameContent(i, event)) {
        return take(i);
      }
    }
    return -1;
  }

  private int take(int i) {
    taken[i] = true;
    return i;
  }

  private boolean sameContent(int i, JsonNode event) {
    JsonNode mine = parsed(i);
    return mine != null && mine.equals(AS_JAVASCRIPT, event);
  }

  private Map<String, List<Integer>> ids() {
    if (byId == null) {
      byId = new HashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        String id = batch.events().get(i).id();
        if (id != null) {
          byId.computeIfAbsent(id, k -> new ArrayList<>()).add(i);
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
