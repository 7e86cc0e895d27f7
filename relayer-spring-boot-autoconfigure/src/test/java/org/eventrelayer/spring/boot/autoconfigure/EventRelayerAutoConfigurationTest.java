package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.micrometer.EventRelayerMetrics;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Which beans the auto-configuration adds, and that a user's own bean of each kind wins. */
class EventRelayerAutoConfigurationTest {

  private static final String SERVICE = "eventServices.eventgate.";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(EventRelayerAutoConfiguration.class,
          EventRelayerHealthAutoConfiguration.class, EventRelayerMetricsAutoConfiguration.class))
      .withPropertyValues("eventrelayer." + SERVICE + "type=http",
          "eventrelayer." + SERVICE + "url=http://127.0.0.1:9/v1/events",
          "eventrelayer.relayers.cdn-url-purges.type=cdn-purge",
          "eventrelayer.relayers.cdn-url-purges.stream=resource-purge",
          "management.health.eventrelayer.max-queued-age=45s");

  @Test
  void buildsTheGroupItsLifecycleHealthAndMetrics() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(EventRelayerGroup.class)
          .hasSingleBean(EventRelayerGroupLifecycle.class).hasSingleBean(EventRelayerMetrics.class);
      assertThat(ctx.getBean(EventRelayerGroup.class).serviceStats()).containsOnlyKeys("eventgate");
      assertThat(ctx.getBean(EventRelayerHealthProperties.class).getMaxQueuedAge()).hasSeconds(45);
      HealthContributor health = ctx.getBean("eventRelayerHealthContributor", HealthContributor.class);
      assertThat(((CompositeHealthContributor) health).getContributor("eventgate")).isNotNull();
    });
  }

  @Test
  void theUsersOwnBeansWin() {
    runner.withUserConfiguration(OwnBeans.class).run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(EventRelayerGroup.class);
      assertThat(ctx.getBean(EventRelayerGroup.class).serviceStats()).isEmpty(); // the user's, not eventrelayer.*
      assertThat(ctx.getBean(EventRelayerMetrics.class)).isSameAs(ctx.getBean(OwnBeans.class).metrics);
      assertThat(ctx.getBean("eventRelayerHealthContributor", HealthIndicator.class).health().getStatus().getCode())
          .isEqualTo("OWN");
    });
  }

  @Test
  void healthCanBeSwitchedOff() {
    runner.withPropertyValues("management.health.eventrelayer.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("eventRelayerHealthContributor"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    final EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of());
    final MeterRegistry registry = new SimpleMeterRegistry();
    final EventRelayerMetrics metrics = new EventRelayerMetrics(group, io.micrometer.core.instrument.Tags.empty());

    @Bean
    EventRelayerGroup ownGroup() {
      return group;
    }

    @Bean
    EventRelayerMetrics ownMetrics() {
      return metrics;
    }

    @Bean
    HealthIndicator eventRelayerHealthContributor() {
      return () -> Health.status("OWN").build();
    }
  }
}
