package org.eventrelayer.cli.internal;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress for logs and CI (standard output is not a terminal): one line per interval,
 * {@code progress 5.0s read N accepted N delivered N refused N dead-lettered N rate N/s eta Ns[ breaker ...]}, the
 * rate over the last interval and the ETA from it (while the input's size is unknown, {@code eta ?}).
 */
public final class PlainProgress implements ProgressDisplay {

  private final PrintStream out;
  private final PurgeCounters counters;
  private final ProgressText text;
  private final Ticker ticker;
  private long lastFinished;
  private double lastSeconds;

  /** Starts printing every {@code interval}. */
  public PlainProgress(PrintStream out, PurgeCounters counters, ProgressText text, Duration interval) {
    this.out = out;
    this.counters = counters;
    this.text = text;
    this.ticker = Ticker.every(interval, interval, this::report);
  }

  private void report() {
    double seconds = counters.elapsedSeconds();
    long finished = counters.finished();
    double rate = (finished - lastFinished) / Math.max(1e-3, seconds - lastSeconds);
    lastFinished = finished;
    lastSeconds = seconds;
    long total = counters.estimatedTotal();
    String eta = total < 0 ? "?" : rate < 1 ? "-" : Math.round(Math.max(0, total - finished) / rate) + "s";
    String breakers = text.breakers();
    out.println(String.format(Locale.ROOT, "progress %.1fs %s rate %s/s eta %s%s", seconds, text.counts(),
        ProgressText.number(Math.round(rate)), eta, breakers.isEmpty() ? "" : " " + breakers));
    out.flush();
  }

  /** Stops the timer (no line is printed after this returns). */
  @Override
  public void close() {
    ticker.close();
  }
}
