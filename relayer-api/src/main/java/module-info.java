/**
 * The eventrelayer API: {@link org.eventrelayer.EventRelayerGroup} and the relayer types host applications call,
 * and the service-provider interfaces ({@link org.eventrelayer.spi}) that transports and relayer types implement.
 * Providers are found through {@link java.util.ServiceLoader}, on the module path and on the class path.
 */
// "module": the modules named in the qualified export are built after this one, so javac cannot find them yet.
@SuppressWarnings("module")
module org.eventrelayer.api {
  requires org.slf4j;

  exports org.eventrelayer;
  exports org.eventrelayer.spi;
  // Shared implementation, not API: only our own modules may link against it.
  exports org.eventrelayer.internal to
      org.eventrelayer.noop,
      org.eventrelayer.jobs,
      org.eventrelayer.outbox;

  uses org.eventrelayer.spi.RelayerProvider;
  uses org.eventrelayer.spi.EventServiceProvider;

  provides org.eventrelayer.spi.RelayerProvider with
      org.eventrelayer.internal.CdnPurgeRelayerProvider,
      org.eventrelayer.internal.StreamRelayerProvider,
      org.eventrelayer.internal.WorkspaceEventRelayerProvider;
  provides org.eventrelayer.spi.SpoolCodec with
      org.eventrelayer.internal.CdnPurgeSpoolCodec;
}
