/**
 * The HTTP transport ({@code type: http}): posts events to an EventGate-style intake with OkHttp.
 *
 * <p>{@code PrivateTaskRunner} links against two OkHttp packages that OkHttp does not export to this module; on
 * the module path that link fails and the transport falls back to OkHttp's shared task runner, unless the
 * application adds {@code --add-exports okhttp3/okhttp3.internal.concurrent=org.eventrelayer.http} and
 * {@code --add-exports okhttp3/okhttp3.internal.connection=org.eventrelayer.http} (README, "JPMS").
 */
module org.eventrelayer.http {
  requires transitive org.eventrelayer.core;
  requires okhttp3;
  requires okio;
  requires kotlin.stdlib;
  requires com.fasterxml.jackson.databind;
  requires java.logging;
  requires org.slf4j;

  exports org.eventrelayer.http;

  provides org.eventrelayer.spi.EventServiceProvider with org.eventrelayer.http.HttpEventServiceProvider;
}
