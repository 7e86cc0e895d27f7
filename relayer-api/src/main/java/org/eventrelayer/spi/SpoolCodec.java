package org.eventrelayer.spi;

import java.nio.ByteBuffer;

/**
 * A compact on-disk form of one kind of {@link PendingEvent}, for services with a spool ({@code spoolDir}). Without
 * a codec a spooled event is built and serialized on the caller's thread, and its JSON is what the spool keeps; with
 * one, the caller's thread only {@linkplain #encode encodes} the event's few fields, and the service's worker
 * {@linkplain #decode decodes} them back into an event and builds it, as in memory mode. Made to be extended.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #encode} runs on the callers' threads, concurrently: it must be fast, must not block, and must fix
 *       everything {@link PendingEvent#build()} would otherwise draw when it runs (random ids, the current time),
 *       so that the event built from the record is the same every time the record is read: a replay after a crash
 *       sends the bytes the first attempt sent.
 *   <li>{@link #decode} runs on the services' workers, concurrently; it gets exactly the bytes {@link #encode}
 *       wrote and reports bytes it cannot read with an {@link IllegalArgumentException} (the record is then counted
 *       dropped with the reason, never retried).
 *   <li>A spool finds the codec of a record by its {@link #kind()}: from the events offered in this run, and, for
 *       the records an earlier run left, from the codecs registered with {@link java.util.ServiceLoader} (a
 *       {@code META-INF/services/org.eventrelayer.spi.SpoolCodec} entry or a {@code provides} clause). A record
 *       whose kind has no codec is dropped with a reason naming it.
 * </ul>
 */
public abstract class SpoolCodec {

  /** For subclasses. */
  protected SpoolCodec() {}

  /**
   * The name of this format, stored in every record it encodes: 1 to 64 ASCII characters, e.g.
   * {@code cdn-purge/1}. A format that changes incompatibly takes a new name (keep decoding the old one), unless
   * its bytes carry their own layout version that every earlier decoder refuses with a reason (as
   * {@code cdn-purge/1}'s first byte does). Either way a build older than the change drops, with that reason, the
   * records the newer one wrote: a rollback across it loses what its spool held.
   */
  public abstract String kind();

  /** The most bytes {@link #encode} may write for {@code event}; on the caller's thread, cheap. */
  public abstract int maxEncodedBytes(PendingEvent event);

  /**
   * Writes the compact form of {@code event} (one this codec's {@link PendingEvent#spoolCodec()} returned) at the
   * position of {@code out}, which has at least {@link #maxEncodedBytes} bytes remaining.
   */
  public abstract void encode(PendingEvent event, ByteBuffer out);

  /**
   * The event {@link #encode} wrote into {@code in} (its remaining bytes), built by its {@link PendingEvent#build()}
   * into the same object for the same bytes. Its tracker is not used: the service reports outcomes to whoever
   * offered the encoded event.
   *
   * @param stream the stream of the encoded event
   * @throws IllegalArgumentException if the bytes are not a form this codec wrote
   */
  public abstract PendingEvent decode(String stream, ByteBuffer in);
}
