package org.eventrelayer;

import java.util.Objects;

/**
 * One event that was refused at {@code notify} time.
 *
 * @param index the position of the event in the list handed to {@code notifyMulti} (0 for {@code notify})
 * @param reason the machine-readable reason
 * @param detail a human-readable explanation; never contains the event's content
 */
public record Refusal(int index, RefusalReason reason, String detail) {

  /** Validates the components. */
  public Refusal {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0: " + index);
    }
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return "#" + index + " " + reason.code() + ": " + detail;
  }
}
