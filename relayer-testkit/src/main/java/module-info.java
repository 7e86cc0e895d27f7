/**
 * Test support for transports and hosts: a real EventGate-style intake on loopback, the transport contract tests,
 * a PostgreSQL server and child JVMs. Awaitility has no {@code Automatic-Module-Name}: {@code awaitility} is the
 * name derived from its jar's file name.
 */
module org.eventrelayer.testkit {
  requires transitive org.eventrelayer.api;
  requires transitive org.junit.jupiter.api;
  requires transitive com.fasterxml.jackson.databind; // JavaScriptJson returns a JsonNode
  requires com.networknt.schema;
  requires org.assertj.core;
  requires awaitility;
  requires jdk.httpserver;

  exports org.eventrelayer.testkit;
}
