package org.eventrelayer.cli.internal;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on a terminal: a live bar (me.tongfei:progressbar, which asks JLine for the terminal's width) whose
 * progress is the URLs with an outcome, out of the input's estimated size (from the bytes read so far, exact at the
 * end of the input), with rate and ETA, and the counts and any breaker that is not closed beside it.
 */
public final class BarProgress implements ProgressDisplay {

  private final PurgeCounters counters;
  private final ProgressText text;
  private final ProgressBar bar;
  private final Ticker ticker;

  /** Starts the bar on {@code out}, refreshed every {@code interval}. */
  public BarProgress(PrintStream out, PurgeCounters counters, ProgressText text, Duration interval) {
    this.counters = counters;
    this.text = text;
    int millis = (int) Math.max(50, interval.toMillis());
    this.bar = new ProgressBarBuilder()
        .setTaskName("purge")
        .setInitialMax(-1)
        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
        .setUnit(" URLs", 1)
        .showSpeed(new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT)))
        .setSpeedUnit(ChronoUnit.SECONDS)
        .setUpdateIntervalMillis(millis)
        .setConsumer(new ConsoleProgressBarConsumer(out))
        .build();
    this.ticker = Ticker.every(Duration.ZERO, Duration.ofMillis(millis), this::update);
  }

  private void update() {
    long total = counters.estimatedTotal();
    if (total >= 0 && total != bar.getMax()) {
      bar.maxHint(total);
    }
    bar.stepTo(counters.finished());
    String breakers = text.breakers();
    bar.setExtraMessage(" " + text.counts() + (breakers.isEmpty() ? "" : " | " + breakers));
  }

  /** Draws the final state and releases the terminal. */
  @Override
  public void close() {
    ticker.close();
    update();
    bar.close();
  }
}
