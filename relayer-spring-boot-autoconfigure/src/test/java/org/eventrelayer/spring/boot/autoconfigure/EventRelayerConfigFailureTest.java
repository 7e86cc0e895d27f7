package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.eventrelayer.ConfigException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.NestedExceptionUtils;

/** A mistake in application.yml fails the application's start with the library's message naming the key. */
class EventRelayerConfigFailureTest {

  @Test
  void aTypoInAServiceFailsTheStartNamingTheKey() {
    Throwable failure = start("classpath:typo/application.yml");

    ConfigException cause = configException(failure);
    assertThat(cause.key()).isEqualTo("eventServices.eventgate.timout");
    assertThat(cause.getMessage()).startsWith("eventServices.eventgate.timout: unknown key");

    FailureAnalysis analysis = new EventRelayerConfigFailureAnalyzer().analyze(failure);
    assertThat(analysis.getDescription()).contains("eventServices.eventgate.timout: unknown key");
    assertThat(analysis.getAction()).contains("'eventrelayer.eventServices.eventgate.timout'");
  }

  @Test
  void aTypoInASectionNameFailsTheStartNamingTheKey() {
    ConfigException cause = configException(start("classpath:typo-top/application.yml"));

    assertThat(cause.getMessage()).startsWith("eventServces.eventgate.type: unknown key");
  }

  private static Throwable start(String config) {
    Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(TestApplication.class)
        .properties("spring.config.location=" + config)
        .run()
        .close());
    assertThat(failure).as("the application must not start").isNotNull();
    return failure;
  }

  private static ConfigException configException(Throwable failure) {
    Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
    assertThat(root).isInstanceOf(ConfigException.class);
    return (ConfigException) root;
  }
}
