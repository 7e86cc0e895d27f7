package org.eventrelayer.spring.boot.autoconfigure;

import org.eventrelayer.ConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link ConfigException} that stopped the application's start into Spring Boot's failure report: the
 * library's message (which names the key, never a secret value) and the property to fix, with its
 * {@code eventrelayer.} prefix.
 */
final class EventRelayerConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
    String property = GroupConfigReader.PREFIX + "." + cause.key();
    return new FailureAnalysis(
        "The eventrelayer settings are wrong: " + cause.getMessage(),
        "Fix '" + property + "' in the application's configuration (application.yml or .properties): the keys "
            + "under 'eventrelayer' are those of the eventrelayer README's configuration reference.",
        cause);
  }
}
