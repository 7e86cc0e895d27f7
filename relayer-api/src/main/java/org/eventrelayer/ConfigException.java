package org.eventrelayer;

/**
 * A configuration mistake, found while an {@link EventRelayerGroup} was being built. The message names the key
 * (e.g. {@code eventServices.eventgate.url}) and what is wrong with it, and never contains secret values.
 */
public final class ConfigException extends IllegalArgumentException {

  private final String key;

  /**
   * Creates the exception.
   *
   * @param key the full config key at fault
   * @param problem what is wrong with it
   */
  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param key the full config key at fault
   * @param problem what is wrong with it
   * @param cause the underlying error
   */
  public ConfigException(String key, String problem, Throwable cause) {
    super(key + ": " + problem, cause);
    this.key = key;
  }

  /** The full config key at fault. */
  public String key() {
    return key;
  }
}
