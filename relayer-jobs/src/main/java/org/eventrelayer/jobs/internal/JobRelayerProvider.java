package org.eventrelayer.jobs.internal;

import java.util.List;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.core.EventSignatures;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.RelayerContext;
import org.eventrelayer.spi.RelayerProvider;

/**
 * {@code type: job}: jobs become signed job events, as MediaWiki's {@code JobQueueEventBus} sends them. Keys:
 * {@code stream} (required), {@code secret} (required; the {@code mediawiki_signature} key, never shown),
 * {@code domain} (required; {@code meta.domain}), {@code database} (default for events without one),
 * {@code schema} (default {@code /mediawiki/job/1.0.0}).
 */
public final class JobRelayerProvider implements RelayerProvider {

  static final String NAME = "job";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public JobRelayerProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> aliases() {
    return List.of("JobQueueEventBus");
  }

  @Override
  public EventRelayer create(RelayerContext context) {
    Config c = context.config();
    if (context.isDefault()) {
      throw c.error("type", "job cannot be the default relayer: it only serves the channel it is configured "
          + "under (e.g. jobs). Configure it under relayers.jobs and use type: null (or stream) for default");
    }
    String stream = c.requireString("stream");
    String domain = c.requireString("domain");
    String database = c.getString("database", null);
    String schema = c.getString("schema", JobRelayer.SCHEMA);
    // Raw, not getString: a secret is used byte for byte, surrounding spaces included.
    Object secret = c.raw("secret");
    if (!(secret instanceof String s) || s.isBlank()) {
      throw c.error("secret", "is required (a non-blank string: the key of mediawiki_signature)");
    }
    EventSignatures signer = EventSignatures.of(s, "HmacSHA1", JobEventReader.SIGNATURE_FIELD);
    return new JobRelayer(context.name(), stream, domain, database, schema, signer,
        context.serviceFor(stream, "stream"));
  }
}
