package org.eventrelayer.cli.internal;

import java.time.Duration;
import java.util.Map;
import org.eventrelayer.ConfigException;
import org.eventrelayer.spi.Config;
import picocli.CommandLine;

/** Reads a duration option as the config does: {@code 250ms}, {@code 30s}, {@code 10m}, {@code 1h}, ISO-8601. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  /** Creates the converter (picocli instantiates it). */
  public DurationConverter() {}

  @Override
  public Duration convert(String value) {
    try {
      return Config.of("", Map.of("value", value)).getDuration("value", null);
    } catch (ConfigException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 10m, 1h)");
    }
  }
}
