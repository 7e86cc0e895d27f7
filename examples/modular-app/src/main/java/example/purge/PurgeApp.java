package example.purge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;

/**
 * Relays two purges to the intake at {@code args[0]} and prints, one per line: the eventrelayer modules it runs
 * with ({@code MODULES ...}, each {@code name:explicit} or {@code name:automatic}), what was accepted and what was
 * delivered. Exits 0 when both purges were delivered.
 *
 * <pre>java --module-path target/classes:$(cat target/app-module-path.txt) -m example.purge/example.purge.PurgeApp \
 *     http://127.0.0.1:8192/v1/events</pre>
 */
public final class PurgeApp {

  private PurgeApp() {}

  /**
   * Runs the application.
   *
   * @param args the intake's URL
   */
  public static void main(String[] args) {
    TreeSet<String> modules = new TreeSet<>();
    for (Module m : ModuleLayer.boot().modules()) {
      if (m.getName().startsWith("org.eventrelayer.")) {
        modules.add(m.getName() + (m.getDescriptor().isAutomatic() ? ":automatic" : ":explicit"));
      }
    }
    System.out.println("MODULES " + String.join(" ", modules));

    Map<String, Object> config = Map.of(
        "relayers", Map.of(
            "purges", Map.of("type", "cdn-purge", "stream", "resource-purge", "domain", "en.example.org"),
            "default", Map.of("type", "none")),
        "eventServices", Map.of("intake", Map.of("type", "http", "url", args[0])));
    int delivered;
    try (EventRelayerGroup group = EventRelayerGroup.fromMap(config)) {
      RelayResult r = group.getRelayer("purges").notifyMulti("purges", List.of(
          Map.of("url", "https://en.example.org/wiki/Modular"),
          Map.of("url", "https://en.example.org/wiki/Modular?action=history")));
      System.out.println("ACCEPTED " + r.accepted());
      delivered = r.awaitDelivery(Duration.ofSeconds(30)).map(DeliveryReport::delivered).orElse(-1);
    }
    System.out.println("DELIVERED " + delivered);
    System.exit(delivered == 2 ? 0 : 1);
  }
}
