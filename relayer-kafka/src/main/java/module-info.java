/**
 * The Kafka transport ({@code type: kafka}). kafka-clients has neither a module descriptor nor an
 * {@code Automatic-Module-Name}: {@code kafka.clients} is the name the module system derives from its jar's file
 * name ({@code kafka-clients-<version>.jar}), the name every modular Kafka user requires.
 */
module org.eventrelayer.kafka {
  requires transitive org.eventrelayer.core;
  requires kafka.clients;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports org.eventrelayer.kafka;

  provides org.eventrelayer.spi.EventServiceProvider with org.eventrelayer.kafka.KafkaEventServiceProvider;
}
