package org.eventrelayer.kafka;

import java.util.Set;

/**
 * Kafka's topic-name rules, and KBase's stricter one, checked at build time so a bad topic fails the group
 * instead of every delivery.
 */
final class TopicNames {

  /** Kafka's limit on a topic name's length. */
  static final int MAX_LENGTH = 249;

  private static final Set<String> INTERNAL =
      Set.of("__consumer_offsets", "__transaction_state", "__share_group_state", "__cluster_metadata");

  private TopicNames() {}

  /**
   * Why {@code topic} is not a valid topic name, or {@code null} if it is.
   *
   * @param topic the full topic name (prefix included)
   * @param strict whether KBase's rule applies too (no {@code .} and no {@code _})
   */
  static String problem(String topic, boolean strict) {
    if (topic.isEmpty()) {
      return "a topic name must not be empty (Kafka requires 1 to " + MAX_LENGTH + " characters)";
    }
    if (topic.equals(".") || topic.equals("..")) {
      return "Kafka forbids the topic names '.' and '..'";
    }
    if (topic.length() > MAX_LENGTH) {
      return "it is " + topic.length() + " characters long; Kafka allows at most " + MAX_LENGTH;
    }
    String chars = charProblem(topic, strict);
    if (chars != null) {
      return chars;
    }
    if (INTERNAL.contains(topic)) {
      return "it is one of Kafka's internal topics";
    }
    return null;
  }

  /** Why {@code part} of a topic name (e.g. a prefix) holds a character no topic may hold, or {@code null}. */
  static String charProblem(String part, boolean strict) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!legal) {
        return "it contains " + describe(c) + " at index " + i + "; Kafka allows only [a-zA-Z0-9._-]";
      }
      if (strict && (c == '.' || c == '_')) {
        return "it contains '" + c + "' at index " + i
            + "; with topicStrict: true (KBase's rule) a topic may not contain '.' or '_'";
      }
    }
    return null;
  }

  private static String describe(char c) {
    if (c == ' ') {
      return "a space";
    }
    if (Character.isISOControl(c) || Character.isWhitespace(c)) {
      return String.format("the character U+%04X", (int) c);
    }
    return "'" + c + "'";
  }
}
