/**
 * The transactional outbox: events written in the host's database transaction and relayed after the commit.
 * PostgreSQL's driver (LISTEN/NOTIFY) and Micrometer are optional: {@code requires static}.
 */
module org.eventrelayer.outbox {
  requires transitive org.eventrelayer.api;
  requires transitive java.sql;
  requires org.eventrelayer.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires static org.postgresql.jdbc;
  requires static transitive micrometer.core; // OutboxMetrics is a MeterBinder

  exports org.eventrelayer.outbox;
}
