package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.outbox.Outbox;
import org.eventrelayer.outbox.OutboxMetrics;
import org.eventrelayer.spring.boot.autoconfigure.outbox.OutboxAutoConfiguration;
import org.eventrelayer.spring.boot.autoconfigure.outbox.OutboxHealthIndicator;
import org.eventrelayer.spring.boot.autoconfigure.outbox.OutboxLifecycle;
import org.eventrelayer.spring.boot.autoconfigure.outbox.TransactionalOutbox;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;
import org.springframework.transaction.IllegalTransactionStateException;

/** When the outbox beans appear, how their settings apply, and that the user's own beans win. */
class OutboxAutoConfigurationTest {

  private static int databases;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(EventRelayerAutoConfiguration.class,
          EventRelayerHealthAutoConfiguration.class, OutboxAutoConfiguration.class))
      .withPropertyValues("eventrelayer.eventServices.eventgate.type=http",
          "eventrelayer.eventServices.eventgate.url=http://127.0.0.1:9/v1/events",
          "eventrelayer.relayers.cdn-url-purges.type=cdn-purge",
          "eventrelayer.relayers.cdn-url-purges.stream=resource-purge");

  @Test
  void withADataSourceTheOutboxItsLifecycleFacadeHealthAndMetricsAppear() {
    runner.withUserConfiguration(H2.class)
        .withPropertyValues("eventrelayer.outbox.table=host_outbox", "eventrelayer.outbox.poll-interval=250ms",
            "eventrelayer.outbox.batch-size=50")
        .run(ctx -> {
          // The group started although eventrelayer.outbox.* sits beside its keys: they are not passed to it.
          assertThat(ctx).hasNotFailed().hasSingleBean(Outbox.class).hasSingleBean(OutboxLifecycle.class)
              .hasSingleBean(TransactionalOutbox.class).hasSingleBean(OutboxMetrics.class)
              .hasSingleBean(OutboxHealthIndicator.class);
          Outbox outbox = ctx.getBean(Outbox.class);
          assertThat(outbox.table()).isEqualTo("host_outbox");
          assertThat(outbox.pending()).isZero(); // the schema was installed: the database is embedded
          assertThat(ctx.getBean(OutboxHealthIndicator.class).health().getStatus().getCode()).isEqualTo("UP");
          // Stops after the producers (task executors, web server), before the group closes.
          int phase = ctx.getBean(OutboxLifecycle.class).getPhase();
          assertThat(phase).isGreaterThan(ctx.getBean(EventRelayerGroupLifecycle.class).getPhase())
              .isLessThan(ExecutorConfigurationSupport.DEFAULT_PHASE);
        });
  }

  @Test
  void withoutADataSourceOrWhenDisabledThereIsNoOutbox() {
    runner.run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(Outbox.class)
        .doesNotHaveBean(TransactionalOutbox.class));
    runner.withUserConfiguration(H2.class).withPropertyValues("eventrelayer.outbox.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(Outbox.class));
  }

  @Test
  void installSchemaNeverLeavesTheTablesToTheApplication() {
    runner.withUserConfiguration(H2.class).withPropertyValues("eventrelayer.outbox.install-schema=never")
        .run(ctx -> assertThatThrownBy(() -> ctx.getBean(Outbox.class).pending())
            .hasMessageContaining("eventrelayer_outbox"));
  }

  @Test
  void aBadSettingFailsTheStartNamingTheProperty() {
    runner.withUserConfiguration(H2.class).withPropertyValues("eventrelayer.outbox.batch-size=0")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure()
            .hasStackTraceContaining("eventrelayer.outbox.batch-size: batchSize must be between 1 and 10000"));
  }

  @Test
  void aTypoFailsTheStartNamingTheProperty() {
    runner.withUserConfiguration(H2.class).withPropertyValues("eventrelayer.outbox.pol-interval=1s")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure()
            .hasStackTraceContaining("eventrelayer.outbox.pol-interval"));
  }

  @Test
  void notifyWithoutATransactionFails() {
    runner.withUserConfiguration(H2.class).run(ctx -> assertThatThrownBy(() -> ctx.getBean(TransactionalOutbox.class)
        .notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/A")))
        .isInstanceOf(IllegalTransactionStateException.class));
  }

  @Test
  void theUsersOwnOutboxWins() {
    runner.withUserConfiguration(H2.class, OwnOutbox.class).run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(Outbox.class);
      assertThat(ctx.getBean(Outbox.class).table()).isEqualTo("own_outbox");
      assertThat(ctx.getBean(TransactionalOutbox.class).outbox()).isSameAs(ctx.getBean(Outbox.class));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class H2 {
    @Bean
    DataSource dataSource() {
      JdbcDataSource ds = new JdbcDataSource();
      ds.setURL("jdbc:h2:mem:outbox-autoconfig-" + next() + ";DB_CLOSE_DELAY=-1");
      return ds;
    }

    private static synchronized int next() {
      return databases++;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnOutbox {
    @Bean(destroyMethod = "close")
    Outbox ownOutbox(DataSource dataSource, EventRelayerGroup group) {
      Outbox outbox = Outbox.builder(dataSource, group).table("own_outbox").build();
      outbox.installSchema();
      return outbox;
    }
  }
}
