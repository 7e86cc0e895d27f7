package org.eventrelayer.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.cli.internal.BarProgress;
import org.eventrelayer.cli.internal.DurationConverter;
import org.eventrelayer.cli.internal.FailedUrls;
import org.eventrelayer.cli.internal.GroupConfig;
import org.eventrelayer.cli.internal.InterruptHook;
import org.eventrelayer.cli.internal.Pacer;
import org.eventrelayer.cli.internal.PlainProgress;
import org.eventrelayer.cli.internal.ProgressDisplay;
import org.eventrelayer.cli.internal.ProgressText;
import org.eventrelayer.cli.internal.PurgeCounters;
import org.eventrelayer.cli.internal.PurgePump;
import org.eventrelayer.cli.internal.PurgeSummary;
import org.eventrelayer.cli.internal.UrlReader;
import org.eventrelayer.cli.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code eventrelayer purge}: relays every URL of a file (or standard input) through the channel's
 * {@code cdn-purge} relayer, waits until each is final, lists the failed ones, and exits 0, 1, 2 or 64.
 */
@Command(name = "purge", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = EventRelayerCli.EXIT_USAGE,
    description = {"Relays one purge per URL: one URL a line, blank lines and # comments skipped, text after a "
        + "tab ignored, .gz (or gzip on stdin) decompressed. Streams the input: memory stays flat.",
        "When the queue is full, reading waits; nothing is refused for lack of room."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every URL delivered", "1:some URLs refused or dead-lettered (listed)",
        "2:the --timeout passed with some URLs not final (listed)",
        "64:bad usage or config (the message names the key)"})
public final class PurgeCommand implements Callable<Integer> {

  /** URLs outstanding at once: well below the default queueCapacity (50,000), so the queue is rarely full. */
  static final int WINDOW = 10_000;
  /** What the JVM exits with after Ctrl-C (128 + SIGINT); the summary says so. */
  static final int EXIT_INTERRUPTED = 130;
  /** How long Ctrl-C waits for the summary and the failed file before the JVM halts. */
  static final Duration INTERRUPT_GRACE = Duration.ofSeconds(15);

  private final Stdio stdio;

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "the group config (properties, as in the README)")
  Path config;

  @Option(names = "--channel", defaultValue = "cdn-url-purges", paramLabel = "CHANNEL",
      description = "the channel whose cdn-purge relayer is used (default: ${DEFAULT-VALUE})")
  String channel;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "give up after this long (e.g. 10m); what is not final then is listed and the exit code is 2. "
          + "Default: none (the services' retry.maxAge still ends every URL)")
  Duration timeout;

  @Option(names = "--failed", paramLabel = "FILE",
      description = "write every refused, dead-lettered or unsent URL here, with its reason (URL<TAB>reason); "
          + "the file can be given back as input")
  Path failedFile;

  @Option(names = "--rate", paramLabel = "N", description = "at most N purges per second")
  Double rate;

  @Option(names = "--dry-run", description = "check the config and every URL; send nothing")
  boolean dryRun;

  @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
      description = "bar, lines, off, or auto: a bar when standard output is a terminal, else lines "
          + "(default: ${DEFAULT-VALUE})")
  ProgressMode progress;

  @Option(names = "--progress-interval", defaultValue = "5s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "how often plain progress lines are printed (default: ${DEFAULT-VALUE})")
  Duration progressInterval;

  @Parameters(arity = "0..1", defaultValue = "-", paramLabel = "FILE|-",
      description = "the URLs; - or nothing for standard input")
  String input;

  /** How progress is shown. */
  enum ProgressMode { auto, bar, lines, off }

  PurgeCommand(Stdio stdio) {
    this.stdio = stdio;
  }

  @Override
  public Integer call() throws IOException {
    if (rate != null && !(rate > 0)) {
      throw new UsageException("--rate must be a positive number of purges per second: " + rate);
    }
    long deadline = System.nanoTime() + (timeout == null ? Long.MAX_VALUE / 4 : timeout.toNanos());
    Properties props = GroupConfig.load(config);
    EventRelayerGroup group = GroupConfig.build(props);
    try {
      GroupConfig.requirePurgeRelayer(group, channel);
      if (dryRun) {
        GroupConfig.closeUnused(group); // built only to check the config: nothing was sent
        group = GroupConfig.buildDryRun(props);
      }
    } catch (RuntimeException e) {
      GroupConfig.closeUnused(group);
      throw e;
    }
    try (UrlReader reader = openInput(); FailedUrls failed = FailedUrls.open(failedFile, stdio.err())) {
      return relay(group, reader, failed, deadline);
    } finally {
      GroupConfig.closeUnused(group); // already closed (a no-op) unless something failed
    }
  }

  private UrlReader openInput() {
    try {
      return UrlReader.open(input, stdio.in());
    } catch (IOException e) {
      throw new UsageException("cannot read " + input + ": " + e);
    }
  }

  @SuppressWarnings("try") // the progress display is a scope: it shows progress until closed, never referenced
  private int relay(EventRelayerGroup group, UrlReader reader, FailedUrls failed, long deadline) throws IOException {
    PurgeCounters counters = new PurgeCounters();
    PurgePump pump = new PurgePump(group.getRelayer(channel), channel, WINDOW, dryRun,
        new Pacer(rate == null ? 0 : rate), failed, counters);
    // Ctrl-C: stop reading, list what was not delivered, print the summary; the JVM then exits with 130.
    try (InterruptHook ctrlC = InterruptHook.install(pump, "interrupted (Ctrl-C)", INTERRUPT_GRACE)) {
      try {
        boolean complete;
        Map<String, ServiceStats> services;
        try (ProgressDisplay shown = showProgress(counters, new ProgressText(counters, group::serviceStats))) {
          complete = pump.run(reader, deadline);
          // Everything is final unless the run stopped early: then closing drops (and completes) what is left.
          group.close(complete ? Duration.ofSeconds(10) : Duration.ofSeconds(1));
          pump.finish(Duration.ofSeconds(5));
          services = group.serviceStats();
        }
        int code = exitCode(complete, ctrlC.fired(), counters, failed);
        if (dryRun) {
          PurgeSummary.printDryRun(stdio.out(), input, reader, counters, failed, code, why(code));
        } else {
          PurgeSummary.print(stdio.out(), input, reader, counters, failed, services, code, why(code));
        }
        return code;
      } finally {
        failed.close(); // complete before a Ctrl-C shutdown goes on
      }
    }
  }

  private String why(int code) {
    return switch (code) {
      case EventRelayerCli.EXIT_OK -> dryRun ? "every URL is valid" : "all delivered";
      case EventRelayerCli.EXIT_FAILED -> dryRun ? "some URLs are invalid" : "some URLs were refused or dead-lettered";
      case EventRelayerCli.EXIT_TIMEOUT -> "the --timeout passed with some URLs not final";
      default -> "interrupted; what was not delivered is listed";
    };
  }

  private int exitCode(boolean complete, boolean interrupted, PurgeCounters counters, FailedUrls failed) {
    if (interrupted) {
      return EXIT_INTERRUPTED;
    }
    if (!complete) {
      return EventRelayerCli.EXIT_TIMEOUT;
    }
    return (dryRun ? counters.refused() : failed.count()) > 0 ? EventRelayerCli.EXIT_FAILED : EventRelayerCli.EXIT_OK;
  }

  private ProgressDisplay showProgress(PurgeCounters counters, ProgressText text) {
    ProgressMode mode = progress == ProgressMode.auto
        ? (stdio.stdoutIsTerminal() ? ProgressMode.bar : ProgressMode.lines) : progress;
    switch (mode) {
      case bar:
        return new BarProgress(stdio.out(), counters, text, Duration.ofMillis(200));
      case lines:
        return new PlainProgress(stdio.out(), counters, text, progressInterval);
      default:
        return ProgressDisplay.NONE;
    }
  }
}
