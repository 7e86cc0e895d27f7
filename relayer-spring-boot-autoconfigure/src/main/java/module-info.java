/**
 * Spring Boot auto-configuration for eventrelayer: the group from {@code eventrelayer.*}, its lifecycle, health
 * indicators, the Micrometer binding and the transactional outbox. Actuator health, Micrometer, JDBC and the outbox
 * are optional ({@code requires static}); their types are in the public configuration classes' signatures and
 * conditions, hence {@code transitive}. Spring reads the configuration classes reflectively, hence the qualified
 * {@code opens}.
 */
module org.eventrelayer.spring.boot.autoconfigure {
  requires transitive org.eventrelayer.api;
  requires transitive spring.boot;
  requires transitive spring.boot.autoconfigure;
  requires transitive spring.beans;
  requires transitive spring.context;
  requires transitive spring.core;
  requires org.slf4j;
  requires static transitive spring.boot.health;
  requires static transitive org.eventrelayer.micrometer;
  requires static transitive micrometer.core;
  requires static transitive org.eventrelayer.outbox;
  requires static transitive spring.boot.jdbc;
  requires static transitive spring.boot.sql;
  requires static transitive spring.jdbc;
  requires static spring.tx;
  requires static transitive java.sql;

  exports org.eventrelayer.spring.boot.autoconfigure;
  exports org.eventrelayer.spring.boot.autoconfigure.outbox;

  opens org.eventrelayer.spring.boot.autoconfigure to spring.core, spring.beans, spring.context;
  opens org.eventrelayer.spring.boot.autoconfigure.outbox to spring.core, spring.beans, spring.context;
}
