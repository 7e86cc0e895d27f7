/**
 * A Spring Boot application using {@code relayer-spring-boot-starter}: a page-save endpoint that purges, with the
 * group configured in {@code application.yml} and its health and meters in Actuator. Copy it as a start.
 */
package org.eventrelayer.examples.springboot;
