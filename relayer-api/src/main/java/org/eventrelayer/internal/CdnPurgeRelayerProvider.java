package org.eventrelayer.internal;

import java.util.HashSet;
import java.util.List;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.RelayerContext;
import org.eventrelayer.spi.RelayerProvider;

/**
 * {@code type: cdn-purge}: purged URLs become {@code resource_change} events. Keys: {@code stream} (required),
 * {@code domain} (default: each URL's host), {@code tags} (list of unique strings).
 */
public final class CdnPurgeRelayerProvider implements RelayerProvider {

  static final String NAME = "cdn-purge";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public CdnPurgeRelayerProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> aliases() {
    return List.of("CdnPurgeEventRelayer");
  }

  @Override
  public EventRelayer create(RelayerContext context) {
    Config c = context.config();
    if (context.isDefault()) {
      throw c.error("type", "cdn-purge cannot be the default relayer: it only serves the channel it is "
          + "configured under (e.g. cdn-url-purges), as MediaWiki's CdnPurgeEventRelayer refuses other channels. "
          + "Configure it under relayers.cdn-url-purges and use type: null (or stream) for default");
    }
    String stream = c.requireString("stream");
    String domain = c.getString("domain", null);
    List<String> tags = c.getList("tags");
    if (new HashSet<>(tags).size() != tags.size()) {
      throw c.error("tags", "must be unique (the resource_change schema requires unique tags): " + tags);
    }
    return new CdnPurgeRelayer(context.name(), stream, domain, tags, context.serviceFor(stream, "stream"));
  }
}
