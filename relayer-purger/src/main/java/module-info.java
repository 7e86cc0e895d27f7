/** The purger: consumes purge events from Kafka and purges caches and CDNs through relayer-cdn's services. */
module org.eventrelayer.purger {
  requires transitive org.eventrelayer.api;
  requires org.eventrelayer.core;
  requires org.eventrelayer.cdn;
  requires org.eventrelayer.kafka;
  requires org.eventrelayer.noop;
  requires kafka.clients;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires static transitive micrometer.core; // PurgerMetrics is a MeterBinder

  exports org.eventrelayer.purger;
}
