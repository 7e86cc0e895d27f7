/** Purges caches and CDNs directly: {@code type: varnish}, {@code fastly}, {@code cloudflare}, {@code akamai}. */
module org.eventrelayer.cdn {
  requires transitive org.eventrelayer.core;
  requires org.eventrelayer.http;
  requires okhttp3;
  requires okio;
  requires kotlin.stdlib;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports org.eventrelayer.cdn;

  provides org.eventrelayer.spi.EventServiceProvider with
      org.eventrelayer.cdn.VarnishEventServiceProvider,
      org.eventrelayer.cdn.CloudflareEventServiceProvider,
      org.eventrelayer.cdn.FastlyEventServiceProvider,
      org.eventrelayer.cdn.AkamaiEventServiceProvider;
}
