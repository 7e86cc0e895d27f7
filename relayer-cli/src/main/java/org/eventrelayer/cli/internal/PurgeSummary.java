package org.eventrelayer.cli.internal;

import static org.eventrelayer.cli.internal.ProgressText.number;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.eventrelayer.ServiceStats;

/** Prints the end of a purge run: the counts, the accounting lines, where the failed URLs are, the exit code. */
public final class PurgeSummary {

  private PurgeSummary() {}

  /**
   * Prints the summary of a run that sent.
   *
   * @param services every service's stats, taken after the group was closed (quiet)
   * @param exitCode the exit code the run ends with, and why
   */
  public static void print(PrintStream out, String source, UrlReader reader, PurgeCounters c, FailedUrls failed,
      Map<String, ServiceStats> services, int exitCode, String why) {
    double seconds = c.elapsedSeconds();
    out.println(String.format(Locale.ROOT, "=== purge summary: %.1f s, %s URLs/s", seconds,
        number(Math.round(c.finished() / Math.max(seconds, 1e-3)))));
    input(out, source, reader, c);
    row(out, "accepted", number(c.accepted()));
    row(out, "refused", number(c.refused()));
    row(out, "delivered", number(c.delivered()));
    row(out, "dead-lettered", number(c.deadLettered()));
    if (c.dropped() > 0) {
      row(out, "dropped", number(c.dropped()) + " (not final when the --timeout passed)");
    }
    if (c.unread() > 0) {
      row(out, "not sent", number(c.unread()) + " (the --timeout passed first)");
    }
    boolean readOk = c.read() == c.accepted() + c.refused() + c.unread();
    boolean acceptedOk = c.pending() == 0;
    row(out, "accounting", "read " + number(c.read()) + " == accepted " + number(c.accepted()) + " + refused "
        + number(c.refused()) + " + not sent " + number(c.unread()) + "; accepted " + number(c.accepted())
        + " == delivered " + number(c.delivered()) + " + dead-lettered " + number(c.deadLettered())
        + " + dropped " + number(c.dropped()) + ": " + (readOk && acceptedOk ? "OK" : "MISMATCH"));
    for (ServiceStats s : services.values()) {
      row(out, s.name(), "accepted " + number(s.accepted()) + " == delivered " + number(s.delivered())
          + " + dead-lettered " + number(s.deadLettered()) + " + dropped " + number(s.dropped())
          + " + coalesced " + number(s.coalesced()) + " + queued " + number(s.queued()) + " + in flight "
          + number(s.inFlight()) + " + spooled " + number(s.spooled()) + ": "
          + (s.accepted() == s.accountedFor() ? "OK" : "MISMATCH") + " (" + number(s.batches()) + " requests, "
          + number(s.retries()) + " events re-sent)");
    }
    failedRow(out, failed);
    row(out, "exit", exitCode + ": " + why);
  }

  /**
   * Prints the summary of a dry run.
   *
   * @param exitCode the exit code the run ends with, and why
   */
  public static void printDryRun(PrintStream out, String source, UrlReader reader, PurgeCounters c,
      FailedUrls failed, int exitCode, String why) {
    out.println("=== purge dry run: config and URLs checked, nothing sent");
    input(out, source, reader, c);
    row(out, "valid", number(c.accepted()));
    row(out, "invalid", number(c.refused()));
    failedRow(out, failed);
    row(out, "exit", exitCode + ": " + why);
  }

  private static void input(PrintStream out, String source, UrlReader reader, PurgeCounters c) {
    row(out, "read", number(c.read()) + " URLs from " + ("-".equals(source) ? "standard input" : source) + " ("
        + number(reader.skipped()) + " blank or # lines skipped)");
  }

  private static void failedRow(PrintStream out, FailedUrls failed) {
    row(out, "failed", failed.count() == 0 ? "none" : number(failed.count()) + ", " + failed.where());
  }

  private static void row(PrintStream out, String label, String text) {
    out.println(String.format(Locale.ROOT, "%-14s %s", label, text));
  }
}
