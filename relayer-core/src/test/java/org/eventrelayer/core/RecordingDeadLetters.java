package org.eventrelayer.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A dead-letter handler that keeps what it is given, for tests; configured by class name. */
public final class RecordingDeadLetters implements DeadLetterHandler {

  static final List<DeadLetter> LETTERS = new CopyOnWriteArrayList<>();

  /** For reflection. */
  public RecordingDeadLetters() {}

  @Override
  public void handle(DeadLetter letter) {
    LETTERS.add(letter);
  }
}
