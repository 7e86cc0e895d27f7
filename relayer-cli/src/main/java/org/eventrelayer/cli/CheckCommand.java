package org.eventrelayer.cli;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.eventrelayer.cli.internal.DurationConverter;
import org.eventrelayer.cli.internal.GroupConfig;
import org.eventrelayer.cli.internal.ServiceProbe;
import org.eventrelayer.cli.internal.ServiceTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eventrelayer check}: builds the group (every config mistake fails, naming the key), then probes each
 * service once and prints whether it is reachable. Exit 0 when all are, 1 when one is not, 64 for a bad config.
 */
@Command(name = "check", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = EventRelayerCli.EXIT_USAGE,
    description = "Checks a config: builds its group, then probes each event service with one request "
        + "(HTTP: an empty batch; Kafka: describeCluster). Sends no event.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every service reachable", "1:some service unreachable or not checked",
        "64:bad usage or config (the message names the key)"})
public final class CheckCommand implements Callable<Integer> {

  private final Stdio stdio;

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "the group config (properties, as in the README)")
  java.nio.file.Path config;

  @Option(names = "--timeout", defaultValue = "5s", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "how long each probe may take (default: ${DEFAULT-VALUE})")
  Duration timeout;

  CheckCommand(Stdio stdio) {
    this.stdio = stdio;
  }

  @Override
  public Integer call() {
    Properties props = GroupConfig.load(config);
    GroupConfig.closeUnused(GroupConfig.build(props)); // the config is valid; nothing was sent
    stdio.out().println("config " + config + ": OK");
    List<ServiceTarget> targets = ServiceTarget.from(props);
    boolean all = true;
    for (ServiceTarget t : targets) {
      ServiceProbe.Result r = ServiceProbe.probe(t, timeout);
      all &= r.ok();
      stdio.out().println(String.format(Locale.ROOT, "%-14s %-6s %-11s %s", t.name(), t.type(),
          r.ok() ? "reachable" : "FAILED", r.detail()));
    }
    if (targets.isEmpty()) {
      stdio.out().println("no event services configured: nothing to check");
    }
    return all ? EventRelayerCli.EXIT_OK : EventRelayerCli.EXIT_FAILED;
  }
}
