package org.eventrelayer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.eventrelayer.ConfigException;
import org.eventrelayer.cli.internal.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code eventrelayer} command: {@code purge} relays a list of URLs through the group a config builds,
 * {@code check} probes the config's services. Exit codes: 0 all delivered (or reachable), 1 some refused or
 * dead-lettered (or unreachable), 2 timed out with some not final, 64 bad usage or config.
 */
@Command(name = "eventrelayer", mixinStandardHelpOptions = true, versionProvider = EventRelayerCli.Version.class,
    exitCodeOnInvalidInput = EventRelayerCli.EXIT_USAGE,
    description = "Relays CDN purges (and other change events) as a config says: to an HTTP intake or Kafka.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:all delivered (check: every service reachable)",
        "1:some URLs refused or dead-lettered, listed (check: a service unreachable)",
        "2:the --timeout passed with some URLs not final", "64:bad usage or config (the message names the key)"})
public final class EventRelayerCli implements Runnable {

  /** Every URL delivered; {@code check}: every service reachable. */
  public static final int EXIT_OK = 0;
  /** Some URLs refused or dead-lettered (listed); {@code check}: some service unreachable. */
  public static final int EXIT_FAILED = 1;
  /** The timeout passed with some URLs not final. */
  public static final int EXIT_TIMEOUT = 2;
  /** Bad usage or config (EX_USAGE of sysexits.h). */
  public static final int EXIT_USAGE = 64;
  /** An unexpected error: a bug (EX_SOFTWARE). */
  public static final int EXIT_SOFTWARE = 70;

  @Spec
  private CommandSpec spec;

  private EventRelayerCli() {}

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required: purge or check");
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(Stdio.system(), args));
  }

  /**
   * Runs the command line on the given streams and returns the exit code (for tests and embedding).
   *
   * @param stdio the streams, and whether standard output is a terminal
   * @param args the arguments, e.g. {@code purge --config relayer.properties urls.txt.gz}
   * @return the exit code
   */
  public static int run(Stdio stdio, String... args) {
    CommandLine cl = new CommandLine(new EventRelayerCli());
    cl.addSubcommand("purge", new PurgeCommand(stdio));
    cl.addSubcommand("check", new CheckCommand(stdio));
    cl.setOut(new PrintWriter(stdio.out(), true));
    cl.setErr(new PrintWriter(stdio.err(), true));
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException) {
        stdio.err().println("eventrelayer: config error: " + e.getMessage());
        return EXIT_USAGE;
      }
      if (e instanceof UsageException) {
        stdio.err().println("eventrelayer: " + e.getMessage());
        return EXIT_USAGE;
      }
      if (e instanceof IOException || e instanceof UncheckedIOException) {
        stdio.err().println("eventrelayer: " + e);
        return EXIT_USAGE;
      }
      stdio.err().println("eventrelayer: unexpected error (a bug; please report it with this trace):");
      e.printStackTrace(stdio.err());
      return EXIT_SOFTWARE;
    });
    try {
      return cl.execute(args);
    } catch (Error e) { // picocli hands only exceptions to the handler; a broken class path must not exit 1
      stdio.err().println("eventrelayer: unexpected error: " + e);
      e.printStackTrace(stdio.err());
      return EXIT_SOFTWARE;
    }
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = EventRelayerCli.class.getPackage().getImplementationVersion();
      return new String[] {"eventrelayer " + (v == null ? "(development build)" : v)};
    }
  }
}
