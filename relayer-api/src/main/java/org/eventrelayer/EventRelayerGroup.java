package org.eventrelayer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.SendListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relayers and event services of one application, built from one config, as MediaWiki's
 * {@code $wgEventRelayerConfig} with {@code $wgEventServices}. {@link #getRelayer(String)} returns the channel's
 * entry, else the {@code default} one; there is one instance per entry, built (and validated) when the group is.
 *
 * <pre>{@code
 * try (EventRelayerGroup group = EventRelayerGroup.fromProperties(props)) {
 *   group.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", List.of(Map.of("url", url)));
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} drains and stops every service it built.
 */
public final class EventRelayerGroup implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventRelayerGroup.class);
  private static final int MAX_WARNED_CHANNELS = 1000;
  /** The most of a channel name a log line or the warned-channel set holds: a name is the caller's input. */
  static final int MAX_LOGGED_CHANNEL = 200;

  private final Map<String, EventRelayer> relayers;
  private final Map<String, EventService> services;
  private final EventRelayer defaultRelayer;
  private final boolean implicitDefault;
  private final Duration closeTimeout;
  private final Set<String> warnedChannels = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private EventRelayerGroup(GroupAssembler built) {
    this.relayers = Collections.unmodifiableMap(new LinkedHashMap<>(built.relayers));
    this.services = Collections.unmodifiableMap(new LinkedHashMap<>(built.services));
    this.defaultRelayer = relayers.get(GroupAssembler.DEFAULT);
    this.implicitDefault = built.implicitNullDefault;
    this.closeTimeout = built.closeTimeout;
  }

  /**
   * Builds a group from a nested map (as read from YAML or JSON): {@code relayers}, {@code eventServices},
   * {@code eventServiceDefault}, {@code streams}, {@code closeTimeout}, and KBase-style {@code listeners}. Nested
   * maps and dot-joined keys are equivalent. Unknown keys are errors.
   *
   * @throws ConfigException naming the key, for any mistake; nothing is left running then
   */
  public static EventRelayerGroup fromMap(Map<String, ?> config) {
    Objects.requireNonNull(config, "config");
    return new EventRelayerGroup(GroupAssembler.fromMap(config));
  }

  /**
   * Builds a group from properties: the map form's keys joined with dots
   * ({@code relayers.cdn-url-purges.type=cdn-purge}), lists comma-separated, plus KBase's
   * {@code listeners=a,b}, {@code listener-NAME-class}, {@code listener-NAME-config-KEY}. Keys outside these are
   * ignored, so a whole deploy.cfg can be passed in.
   *
   * @throws ConfigException naming the key, for any mistake; nothing is left running then
   */
  public static EventRelayerGroup fromProperties(Properties properties) {
    Objects.requireNonNull(properties, "properties");
    return new EventRelayerGroup(GroupAssembler.fromProperties(properties));
  }

  /**
   * The relayer for {@code channel}: its own entry, else the {@code default} entry (the null relayer when no
   * default is configured). Always the same instance for the same entry.
   *
   * @throws NullPointerException if {@code channel} is null
   */
  public EventRelayer getRelayer(String channel) {
    Objects.requireNonNull(channel, "channel");
    EventRelayer r = relayers.get(channel);
    if (r != null) {
      return r;
    }
    if (implicitDefault && warnedChannels.size() < MAX_WARNED_CHANNELS) {
      String shown = channel.length() <= MAX_LOGGED_CHANNEL ? channel
          : channel.substring(0, MAX_LOGGED_CHANNEL) + "...(" + channel.length() + " characters)";
      if (warnedChannels.add(shown)) {
        log.warn("eventrelayer: channel '{}' has no relayer and no 'default' is configured: its events go to the "
            + "null relayer and are discarded", shown);
      }
    }
    return defaultRelayer;
  }

  /** The names of the configured relayer entries (including {@code default}). */
  public Set<String> relayerNames() {
    return relayers.keySet();
  }

  /** A snapshot of every event service's stats, by service name. */
  public Map<String, ServiceStats> serviceStats() {
    Map<String, ServiceStats> out = new LinkedHashMap<>();
    services.forEach((name, s) -> out.put(name, s.stats()));
    return out;
  }

  /** Tells {@code listener} about every request any service of this group sends (e.g. to time them). */
  public void addSendListener(SendListener listener) {
    Objects.requireNonNull(listener, "listener");
    services.values().forEach(s -> s.addSendListener(listener));
  }

  /** Removes a listener added with {@link #addSendListener}. */
  public void removeSendListener(SendListener listener) {
    services.values().forEach(s -> s.removeSendListener(listener));
  }

  /** A snapshot of every relayer's accepted/refused counts, by entry name. */
  public Map<String, RelayerStats> relayerStats() {
    Map<String, RelayerStats> out = new LinkedHashMap<>();
    relayers.forEach((name, r) -> out.put(name, r.stats()));
    return out;
  }

  /**
   * Waits until every event accepted before the call, on every service, is final, or the timeout passes.
   *
   * @return whether everything was final in time
   */
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean all = true;
    for (EventService s : services.values()) {
      all &= s.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    return all;
  }

  /**
   * Waits until every event accepted before the call, on every service, is forced to the device by its spool, or
   * the timeout passes. A spooling service's accepted events survive {@code kill -9} already when {@code notify}
   * returns (see docs/spool.md); this waits only for the {@code fsync} that adds an operating-system crash or
   * power loss. A host needs it only where it must survive those, e.g. before it acknowledges a message of its own.
   *
   * @return whether everything was durable in time; {@code false} if a service has no spool
   */
  public boolean awaitDurable(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean all = true;
    for (EventService s : services.values()) {
      all &= s.awaitDurable(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    return all;
  }

  /** Closes the group within its {@code closeTimeout} (default 10 s). See {@link #close(Duration)}. */
  @Override
  public void close() {
    close(closeTimeout);
  }

  /**
   * Stops every relayer, then drains every service in parallel until {@code timeout} passes; what is still
   * undelivered then is dropped and counted. Returns by the deadline whatever the services do: a service whose
   * worker is still inside a transport call finishes exiting in the background (its threads are daemons and end
   * when that call returns). Idempotent.
   *
   * @return whether every accepted event was final before the deadline
   */
  public boolean close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      if (closed) {
        return true;
      }
      closed = true;
    }
    relayers.values().forEach(EventRelayer::close);
    List<Thread> closers = new ArrayList<>();
    boolean[] results = new boolean[services.size()];
    int i = 0;
    for (EventService s : services.values()) {
      int slot = i++;
      Thread t = new Thread(() -> {
        try {
          results[slot] = s.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RuntimeException e) {
          log.warn("eventrelayer: error closing event service '{}': {}", s.name(), e.toString());
        }
      }, "eventrelayer-" + s.name() + "-close");
      t.setDaemon(true);
      t.start();
      closers.add(t);
    }
    boolean interrupted = false;
    boolean allClosed = true;
    for (Thread t : closers) {
      while (t.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          allClosed = false;
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    boolean clean = allClosed;
    for (int k = 0; k < results.length; k++) {
      // Seeing a closer terminated (isAlive false) makes its write visible; one past the deadline counts false.
      clean &= !closers.get(k).isAlive() && results[k];
    }
    return clean;
  }

  @Override
  public String toString() {
    return "EventRelayerGroup{relayers=" + relayers.keySet() + ", services=" + services.keySet() + '}';
  }
}
