package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.eventrelayer.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;

/** A mistake in application.yml fails the application's start with the library's message naming the key. */
@ExtendWith(OutputCaptureExtension.class)
class EventRelayerConfigFailureTest {

  @Test
  void aTypoInAServiceFailsTheStartNamingTheKey(CapturedOutput output) {
    Throwable failure = start("classpath:typo/application.yml");

    ConfigException cause = configException(failure);
    assertThat(cause.key()).isEqualTo("eventServices.eventgate.timout");
    assertThat(cause.getMessage()).startsWith("eventServices.eventgate.timout: unknown key");
    // Spring Boot's failure report, as printed at the failed start.
    assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
        .contains("The eventrelayer settings are wrong: eventServices.eventgate.timout: unknown key")
        .contains("Fix 'eventrelayer.eventServices.eventgate.timout'");
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
