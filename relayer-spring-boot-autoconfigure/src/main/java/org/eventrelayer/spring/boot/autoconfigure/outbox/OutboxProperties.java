package org.eventrelayer.spring.boot.autoconfigure.outbox;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.eventrelayer.outbox.Outbox;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.sql.init.DatabaseInitializationMode;

/**
 * Settings of the auto-configured {@link Outbox}, under {@code eventrelayer.outbox}: the builder's settings plus
 * whether the schema is installed at start. The group's config reader leaves {@code eventrelayer.outbox} out of
 * the group's keys, so these never reach {@code EventRelayerGroup.fromMap}. Values are checked by the builder when
 * the outbox is built; a bad one fails the start naming its {@code eventrelayer.outbox.*} property, and so does an
 * unknown key (a typo), as under the rest of {@code eventrelayer.}.
 */
@ConfigurationProperties(prefix = OutboxProperties.PREFIX, ignoreUnknownFields = false)
public final class OutboxProperties {

  /** The prefix of these settings. */
  public static final String PREFIX = "eventrelayer.outbox";

  /** Whether to build the Outbox when relayer-outbox and a DataSource are present. */
  private boolean enabled = true;

  /** The outbox table; dead-lettered rows go to {@code <table>_dead}. Letters, digits, '_', optionally schema.table. */
  private String table = "eventrelayer_outbox";

  /**
   * When to create the outbox tables where missing (idempotent DDL) at start: {@code embedded} (only on an embedded
   * database such as in-memory H2), {@code always}, or {@code never} (the tables come from your migrations).
   */
  private DatabaseInitializationMode installSchema = DatabaseInitializationMode.EMBEDDED;

  /** How often the relay looks for committed rows when no wake-up hint arrives (1 ms to 1 h). */
  private Duration pollInterval = Duration.ofSeconds(1);

  /** How long a relay's claim holds its rows before another host's relay may take them over (500 ms to 1 h). */
  private Duration lease = Duration.ofSeconds(30);

  /** Rows per claim (1 to 10000). */
  private int batchSize = 500;

  /** How long dead-lettered rows are kept in {@code <table>_dead} (zero to 10 years). */
  private Duration deadLetterRetention = Duration.ofDays(7);

  /** How long closing the outbox (at the context's shutdown, before the group closes) waits for events in flight. */
  private Duration closeTimeout = Duration.ofSeconds(5);

  /** Whether the host's insert also sends the PostgreSQL NOTIFY wake-up hint (ignored on other databases). */
  private boolean wakeUpHint = true;

  /** Created by Spring. */
  public OutboxProperties() {}

  /**
   * Applies these settings to {@code builder}.
   *
   * @throws IllegalArgumentException naming the {@code eventrelayer.outbox.*} property whose value is wrong
   */
  public Outbox.Builder configure(Outbox.Builder builder) {
    set("table", table, builder::table);
    set("poll-interval", pollInterval, builder::pollInterval);
    set("lease", lease, builder::lease);
    set("batch-size", batchSize, builder::batchSize);
    set("dead-letter-retention", deadLetterRetention, builder::deadLetterRetention);
    set("close-timeout", closeTimeout, builder::closeTimeout);
    builder.wakeUpHint(wakeUpHint);
    return builder;
  }

  private static <T> void set(String key, T value, Consumer<T> setter) {
    try {
      setter.accept(Objects.requireNonNull(value, PREFIX + "." + key));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PREFIX + "." + key + ": " + e.getMessage(), e);
    }
  }

  /** Whether the outbox is built; default true. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets whether the outbox is built. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The outbox table; default {@code eventrelayer_outbox}. */
  public String getTable() {
    return table;
  }

  /** Sets the outbox table. */
  public void setTable(String table) {
    this.table = table;
  }

  /** When the schema is installed at start; default {@code embedded}. */
  public DatabaseInitializationMode getInstallSchema() {
    return installSchema;
  }

  /** Sets when the schema is installed at start. */
  public void setInstallSchema(DatabaseInitializationMode installSchema) {
    this.installSchema = installSchema;
  }

  /** The relay's polling interval; default 1 s. */
  public Duration getPollInterval() {
    return pollInterval;
  }

  /** Sets the relay's polling interval. */
  public void setPollInterval(Duration pollInterval) {
    this.pollInterval = pollInterval;
  }

  /** A claim's lease; default 30 s. */
  public Duration getLease() {
    return lease;
  }

  /** Sets a claim's lease. */
  public void setLease(Duration lease) {
    this.lease = lease;
  }

  /** Rows per claim; default 500. */
  public int getBatchSize() {
    return batchSize;
  }

  /** Sets the rows per claim. */
  public void setBatchSize(int batchSize) {
    this.batchSize = batchSize;
  }

  /** How long dead-lettered rows are kept; default 7 days. */
  public Duration getDeadLetterRetention() {
    return deadLetterRetention;
  }

  /** Sets how long dead-lettered rows are kept. */
  public void setDeadLetterRetention(Duration deadLetterRetention) {
    this.deadLetterRetention = deadLetterRetention;
  }

  /** How long closing waits for events in flight; default 5 s. */
  public Duration getCloseTimeout() {
    return closeTimeout;
  }

  /** Sets how long closing waits for events in flight. */
  public void setCloseTimeout(Duration closeTimeout) {
    this.closeTimeout = closeTimeout;
  }

  /** Whether the PostgreSQL wake-up hint is sent; default true. */
  public boolean isWakeUpHint() {
    return wakeUpHint;
  }

  /** Sets whether the PostgreSQL wake-up hint is sent. */
  public void setWakeUpHint(boolean wakeUpHint) {
    this.wakeUpHint = wakeUpHint;
  }
}
