package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ServiceLoader;
import org.eventrelayer.spi.EventServiceProvider;
import org.junit.jupiter.api.Test;

/** The provider is found by {@link ServiceLoader} under its short name. */
class HttpEventServiceProviderTest {

  @Test
  void isRegisteredUnderTheNameHttp() {
    assertThat(ServiceLoader.load(EventServiceProvider.class).stream().map(ServiceLoader.Provider::get))
        .filteredOn(p -> p.name().equals("http"))
        .singleElement()
        .isInstanceOf(HttpEventServiceProvider.class);
    assertThat(new HttpEventServiceProvider().name()).isEqualTo(HttpEventServiceProvider.NAME);
  }
}
