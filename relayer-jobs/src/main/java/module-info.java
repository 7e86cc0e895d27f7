/** The {@code job} relayer and the RunJob endpoint ({@link org.eventrelayer.jobs.JobRunner}). */
module org.eventrelayer.jobs {
  requires transitive org.eventrelayer.core;
  requires com.fasterxml.jackson.databind;
  requires jdk.httpserver;
  requires org.slf4j;

  exports org.eventrelayer.jobs;

  provides org.eventrelayer.spi.RelayerProvider with org.eventrelayer.jobs.internal.JobRelayerProvider;
}
