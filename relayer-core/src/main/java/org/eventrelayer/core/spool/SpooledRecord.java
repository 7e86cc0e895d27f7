package org.eventrelayer.core.spool;

/**
 * A record read back from the spool.
 *
 * @param seq its sequence number, for {@link MappedSpool#markFinal}
 * @param payload its bytes, as appended
 * @param replayed whether a previous run appended it (found by recovery)
 */
public record SpooledRecord(long seq, byte[] payload, boolean replayed) {}
