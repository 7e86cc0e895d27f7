package org.eventrelayer.examples.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The demo's command line, parsed and checked. */
final class DemoOptions {

  static final String USAGE = String.join("\n",
      "Usage: PurgeDemo [options]",
      "",
      "Without a target option the demo starts an EventGate-compatible intake on 127.0.0.1, relays purges to it,",
      "takes it down and brings it up again while the host keeps notifying, then drains and prints a summary.",
      "",
      "Options:",
      "  --seconds-per-phase N   length of each phase: up, down, up again (default 5; decimals allowed)",
      "  --rate N                purged URLs per second the host sends (default 2000)",
      "  --batch N               URLs per notifyMulti call (default 10)",
      "  --plain                 one progress line per second instead of a live, rewritten line",
      "  --config FILE           relay with this group config (properties) instead of the embedded intake;",
      "                          it must configure relayers.cdn-url-purges",
      "  --url URL               relay to this EventGate intake (e.g. http://127.0.0.1:8192/v1/events) with the",
      "                          demo's sample config",
      "  --kafka HOST:PORT       relay to this Kafka cluster (topic resource-purge) with the sample Kafka config",
      "  --outbox                the host saves pages and writes their purges in one H2 transaction (transactional",
      "                          outbox; one save in ten rolls back); proves every committed purge arrived, and",
      "                          no rolled-back one",
      "  --help                  show this help",
      "",
      "With --config, --url or --kafka there is no embedded intake and no down/up phases: the demo relays for",
      "3 x seconds-per-phase, then drains.",
      "",
      "From the repository root: mvn -q -pl examples -am verify -DskipTests -Pdemo -Dexec.args=\"--rate 5000\"");

  Duration phase = Duration.ofSeconds(5);
  int rate = 2000;
  int batch = 10;
  boolean plain;
  Path config;
  String url;
  String kafka;
  boolean help;
  boolean outbox;

  /**
   * Parses {@code args}; both {@code --flag value} and {@code --flag=value} work.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static DemoOptions parse(String... args) {
    DemoOptions o = new DemoOptions();
    int targets = 0;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--help", "-h" -> o.help = true;
        case "--plain" -> o.plain = true;
        case "--outbox" -> o.outbox = true;
        case "--seconds-per-phase" -> {
          value = value != null ? value : next(args, ++i, arg);
          double s = number(arg, value);
          if (!(s >= 0.1 && s <= 3600)) {
            throw new IllegalArgumentException(arg + " must be between 0.1 and 3600, got " + value);
          }
          o.phase = Duration.ofMillis(Math.round(s * 1000));
        }
        case "--rate" -> {
          value = value != null ? value : next(args, ++i, arg);
          o.rate = (int) whole(arg, value, 1, 1_000_000);
        }
        case "--batch" -> {
          value = value != null ? value : next(args, ++i, arg);
          o.batch = (int) whole(arg, value, 1, 10_000);
        }
        case "--config" -> {
          value = value != null ? value : next(args, ++i, arg);
          o.config = Path.of(value);
          if (!Files.isReadable(o.config)) {
            throw new IllegalArgumentException(arg + ": cannot read " + o.config.toAbsolutePath());
          }
          targets++;
        }
        case "--url" -> {
          value = value != null ? value : next(args, ++i, arg);
          if (!value.startsWith("http://") && !value.startsWith("https://")) {
            throw new IllegalArgumentException(arg + " must be an http:// or https:// URL, got " + value);
          }
          o.url = value;
          targets++;
        }
        case "--kafka" -> {
          value = value != null ? value : next(args, ++i, arg);
          if (!value.matches("[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*")) {
            throw new IllegalArgumentException(arg + " must be host:port[,host:port...], got " + value);
          }
          o.kafka = value;
          targets++;
        }
        default -> throw new IllegalArgumentException("unknown option: " + args[i] + " (try --help)");
      }
    }
    if (o.outbox && targets > 0) {
      throw new IllegalArgumentException("--outbox runs on its embedded intake: drop --config, --url or --kafka");
    }
    if (targets > 1) {
      throw new IllegalArgumentException("--config, --url and --kafka exclude each other: choose one target");
    }
    return o;
  }

  /** Whether the demo runs its own intake (no --config, --url or --kafka). */
  boolean embedded() {
    return config == null && url == null && kafka == null;
  }

  private static String next(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static double number(String flag, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number, got " + value);
    }
  }

  private static long whole(String flag, String value, long min, long max) {
    long v;
    try {
      v = Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a whole number, got " + value);
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(flag + " must be between " + min + " and " + max + ", got " + value);
    }
    return v;
  }
}
