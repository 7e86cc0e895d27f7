/**
 * The {@code null} relayer ({@code type: null}): accepts and discards every event. Found through
 * {@link java.util.ServiceLoader} only: its package is not exported, because {@code NullEventRelayer} extends the
 * API module's internal base class; on the module path hosts use it as an {@link org.eventrelayer.EventRelayer}.
 */
module org.eventrelayer.noop {
  requires org.eventrelayer.api;

  provides org.eventrelayer.spi.RelayerProvider with org.eventrelayer.noop.NullRelayerProvider;
}
