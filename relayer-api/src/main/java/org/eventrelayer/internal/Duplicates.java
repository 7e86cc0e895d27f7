package org.eventrelayer.internal;

import java.util.ArrayList;
import java.util.List;
import org.eventrelayer.RefusalReason;

/**
 * The input events of one {@code notifyMulti} call that shared the outcome of an equal earlier event of the same
 * call (a purge of a URL already in the call) instead of being relayed themselves. Confined to the calling thread.
 */
public final class Duplicates {

  private int accepted;
  private final List<RefusalReason> refused = new ArrayList<>(0);

  Duplicates() {}

  /** Records a duplicate whose original was accepted. */
  void addAccepted() {
    accepted++;
  }

  /** Records a duplicate whose original was refused for {@code reason}. */
  void addRefused(RefusalReason reason) {
    refused.add(reason);
  }

  /** How many duplicates were accepted along with their original. */
  int accepted() {
    return accepted;
  }

  /** The reasons of the duplicates refused along with their original, one per duplicate. */
  List<RefusalReason> refusedReasons() {
    return refused;
  }
}
