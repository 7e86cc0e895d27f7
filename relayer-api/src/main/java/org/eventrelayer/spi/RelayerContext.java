package org.eventrelayer.spi;

/** What a {@link RelayerProvider} gets to build one relayer. */
public interface RelayerContext {

  /** The config key of this relayer, which is also the channel it serves (e.g. {@code cdn-url-purges}). */
  String name();

  /** The entry's config; keys are relative to {@code relayers.<name>}. */
  Config config();

  /** Whether this entry is the {@code default} one, serving every channel without an entry of its own. */
  boolean isDefault();

  /**
   * The event service that carries {@code stream}: the one named by {@code streams.<stream>.service}, else
   * {@code eventServiceDefault}, else the only service configured.
   *
   * @param stream the stream name
   * @param configKey the key (relative to this entry) that named the stream, for error messages
   * @return the service; it has already checked that it can carry the stream
   * @throws org.eventrelayer.ConfigException if no service can carry the stream
   */
  EventService serviceFor(String stream, String configKey);
}
