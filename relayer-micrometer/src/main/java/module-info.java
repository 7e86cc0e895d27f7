/** Binds an {@link org.eventrelayer.EventRelayerGroup}'s counters and gauges to a Micrometer registry. */
module org.eventrelayer.micrometer {
  requires transitive org.eventrelayer.api;
  requires transitive micrometer.core;

  exports org.eventrelayer.micrometer;
}
