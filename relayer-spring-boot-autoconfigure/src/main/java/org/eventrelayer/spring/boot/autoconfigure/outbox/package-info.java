/**
 * The transactional outbox in a Spring Boot application: the {@link org.eventrelayer.outbox.Outbox} on the
 * application's DataSource (settings {@code eventrelayer.outbox.*}), started and closed with the context before the
 * group, a {@link org.eventrelayer.spring.boot.autoconfigure.outbox.TransactionalOutbox} whose {@code notify}
 * joins the current Spring-managed transaction, its Actuator health and its Micrometer meters.
 */
package org.eventrelayer.spring.boot.autoconfigure.outbox;
