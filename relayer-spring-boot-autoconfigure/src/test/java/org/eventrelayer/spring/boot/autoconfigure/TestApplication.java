package org.eventrelayer.spring.boot.autoconfigure;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** A Spring Boot application with nothing of its own: everything it has comes from auto-configuration. */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApplication {}
