package org.eventrelayer.purger;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.ConfigException;

/**
 * Runs a {@link Purger} from a properties file until the JVM is asked to stop (SIGTERM, Ctrl-C), then stops it
 * gracefully. Prints the stats every {@code -Deventrelayer.purger.statsInterval} (default 60 s).
 *
 * <pre>java -cp ... org.eventrelayer.purger.PurgerMain purger.properties</pre>
 */
public final class PurgerMain {

  private PurgerMain() {}

  /**
   * Starts the purger described by the properties file {@code args[0]}.
   *
   * @param args the path of the properties file
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: PurgerMain <purger.properties>");
      System.exit(2);
    }
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      props.load(in);
    } catch (IOException e) {
      System.err.println("cannot read " + args[0] + ": " + e.getMessage());
      System.exit(2);
    }
    Purger purger;
    try {
      purger = Purger.fromProperties(props);
    } catch (ConfigException e) {
      System.err.println("invalid configuration in " + args[0] + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "eventrelayer-purger-shutdown"));
    Duration every = Duration.parse("PT" + System.getProperty("eventrelayer.purger.statsInterval", "60s"));
    try {
      run(purger, stop, every, System.out);
    } finally {
      stopped.countDown();
    }
  }

  /**
   * Starts {@code purger}, prints its stats every {@code every} until {@code stop} opens, then closes it
   * gracefully and prints the final stats.
   */
  static void run(Purger purger, CountDownLatch stop, Duration every, PrintStream out) throws InterruptedException {
    purger.start();
    try {
      while (!stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
        out.println(purger.stats());
      }
    } finally {
      purger.close();
      out.println(purger.stats());
    }
  }
}
