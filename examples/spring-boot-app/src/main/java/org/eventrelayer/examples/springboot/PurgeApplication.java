package org.eventrelayer.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application that purges CDN URLs through {@code relayer-spring-boot-starter}: the group comes from
 * {@code eventrelayer.*} in {@code application.yml}, health and meters appear in Actuator, and the group is closed
 * (after a flush) when the application stops. Page edits are saved in embedded H2 with their purges written through
 * the transactional outbox in the same transaction ({@link PageStore}).
 *
 * <p>Run it from the repository root (Ctrl-C stops it):
 *
 * <pre>
 * mvn -B -q -pl examples/spring-boot-app -am verify -DskipTests -Pspring-boot-app
 * curl -X POST http://127.0.0.1:8080/pages/Main_Page/saved
 * curl http://127.0.0.1:8080/actuator/health
 * curl -X POST -H 'Content-Type: text/plain' -d 'New text' http://127.0.0.1:8080/pages/Main_Page/edit
 * </pre>
 */
@SpringBootApplication
public class PurgeApplication {

  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(PurgeApplication.class, args);
  }
}
