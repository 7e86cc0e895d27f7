package org.eventrelayer.http;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eventrelayer.core.DeadLetter;
import org.eventrelayer.core.DeadLetterHandler;

/**
 * A {@code deadLetterHandler} that keeps every dead letter, by service name, so a test can compare them with what
 * the intake rejected. Configured by class name: {@code deadLetterHandler: org.eventrelayer.http.DeadLetterLog}.
 */
public final class DeadLetterLog implements DeadLetterHandler {

  private static final Map<String, List<DeadLetter>> LETTERS = new ConcurrentHashMap<>();

  /** For the engine, which instantiates the handler by class name. */
  public DeadLetterLog() {}

  @Override
  public void handle(DeadLetter letter) {
    LETTERS.computeIfAbsent(letter.service(), k -> new CopyOnWriteArrayList<>()).add(letter);
  }

  /** Every dead letter of {@code service} so far. */
  static List<DeadLetter> of(String service) {
    return List.copyOf(LETTERS.getOrDefault(service, List.of()));
  }

  static void clear(String service) {
    LETTERS.remove(service);
  }
}
