/**
 * Spring Boot auto-configuration for eventrelayer: the {@link org.eventrelayer.EventRelayerGroup} from the
 * {@code eventrelayer.*} settings, closed late in the context's shutdown; one Actuator health indicator per event
 * service; the group's Micrometer meters; the transactional outbox (package {@code .outbox}). Registered in
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}; every bean steps aside
 * for one the application defines.
 */
package org.eventrelayer.spring.boot.autoconfigure;
