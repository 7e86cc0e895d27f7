package org.eventrelayer.cli.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayerStats;

/**
 * Reads the {@code --config} file (properties, UTF-8, as in the README) and builds the group from it, or the
 * dry-run group: the same relayers, every stream routed to a service that validates and sends nothing.
 */
public final class GroupConfig {

  private static final String PURGE_TYPE = "cdn-purge";
  private static final String DRY_RUN_SERVICE = "dry-run";

  private GroupConfig() {}

  /**
   * Reads a properties file.
   *
   * @throws UsageException if it cannot be read
   */
  public static Properties load(Path file) {
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("cannot read config " + file + ": " + e.getMessage());
    }
    return props;
  }

  /**
   * The group for sending to the config's services.
   *
   * @throws ConfigException naming the key, for any mistake in the config
   */
  public static EventRelayerGroup build(Properties props) {
    return EventRelayerGroup.fromProperties(props);
  }

  /**
   * Closes a group that was built only to check the config, or that failed: it sent nothing, so closing is quick;
   * the grace lets its idle workers stop on their own rather than be abandoned.
   */
  public static void closeUnused(EventRelayerGroup group) {
    group.close(Duration.ofSeconds(1));
  }

  /**
   * A group with the config's relayers, whose every stream goes to a service that accepts and sends nothing: it
   * validates each URL exactly as the real relayer does. Build the real group first to check the rest of the config.
   */
  public static EventRelayerGroup buildDryRun(Properties props) {
    Properties dry = new Properties();
    for (String key : props.stringPropertyNames()) {
      if (key.trim().startsWith("relayers.")) {
        dry.setProperty(key, props.getProperty(key));
      }
    }
    dry.setProperty("eventServices." + DRY_RUN_SERVICE + ".class", DryRunServiceProvider.class.getName());
    dry.setProperty("eventServiceDefault", DRY_RUN_SERVICE);
    return EventRelayerGroup.fromProperties(dry);
  }

  /**
   * Checks that {@code channel} has its own {@code cdn-purge} relayer.
   *
   * @throws ConfigException naming the channel's key otherwise
   */
  public static void requirePurgeRelayer(EventRelayerGroup group, String channel) {
    RelayerStats stats = group.relayerStats().get(channel);
    String key = "relayers." + channel + ".type";
    if (stats == null) {
      throw new ConfigException(key, "is not configured; the purge command needs a " + PURGE_TYPE
          + " relayer on channel '" + channel + "' (see --channel; configured: " + group.relayerNames() + ")");
    }
    if (!PURGE_TYPE.equals(stats.type())) {
      throw new ConfigException(key, "is '" + stats.type() + "'; the purge command needs a " + PURGE_TYPE
          + " relayer on channel '" + channel + "'");
    }
  }
}
