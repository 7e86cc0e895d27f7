package org.eventrelayer.spring.boot.autoconfigure.outbox;

import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.outbox.Outbox;
import org.eventrelayer.outbox.OutboxMetrics;
import org.eventrelayer.spring.boot.autoconfigure.EventRelayerAutoConfiguration;
import org.eventrelayer.spring.boot.autoconfigure.EventRelayerHealthProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * The transactional outbox, when {@code relayer-outbox} and Spring Boot's JDBC support ({@code spring-boot-jdbc},
 * which every JDBC or JPA starter brings) are on the class path and the application has one {@link DataSource}
 * (or one {@code @Primary}): the {@link Outbox} on that DataSource and the
 * group (settings {@link OutboxProperties}, {@code eventrelayer.outbox.*}; schema installed per
 * {@code install-schema}), its {@link OutboxLifecycle}, the {@link TransactionalOutbox} that joins the current
 * Spring-managed transaction, and, when present, its Actuator health ({@code /actuator/health/eventRelayerOutbox})
 * and Micrometer meters ({@code eventrelayer.outbox.*}). {@code eventrelayer.outbox.enabled=false} turns it off.
 */
@AutoConfiguration(after = EventRelayerAutoConfiguration.class,
    afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass({Outbox.class, DataSourceUtils.class, EmbeddedDatabaseConnection.class, EventRelayerGroup.class})
@ConditionalOnBean(EventRelayerGroup.class)
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(prefix = OutboxProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(OutboxProperties.class)
public final class OutboxAutoConfiguration {

  /** Created by Spring. */
  public OutboxAutoConfiguration() {}

  /**
   * The outbox, built (one connection detects the database) and its schema installed when {@code install-schema}
   * says so. Started and closed by {@link #outboxLifecycle}, so the inferred {@code close()} is switched off.
   *
   * @throws IllegalArgumentException naming the {@code eventrelayer.outbox.*} property whose value is wrong
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public Outbox outbox(DataSource dataSource, EventRelayerGroup group, OutboxProperties properties) {
    Outbox outbox = properties.configure(Outbox.builder(dataSource, group)).build();
    DatabaseInitializationMode mode = properties.getInstallSchema();
    if (mode == DatabaseInitializationMode.ALWAYS
        || (mode == DatabaseInitializationMode.EMBEDDED && EmbeddedDatabaseConnection.isEmbedded(dataSource))) {
      outbox.installSchema();
    }
    return outbox;
  }

  /** Starts the relay with the context; closes it before the group closes. */
  @Bean
  @ConditionalOnMissingBean
  public OutboxLifecycle outboxLifecycle(Outbox outbox) {
    return new OutboxLifecycle(outbox);
  }

  /** The outbox whose writes join the current Spring-managed transaction on the DataSource. */
  @Bean
  @ConditionalOnMissingBean
  public TransactionalOutbox transactionalOutbox(Outbox outbox, DataSource dataSource) {
    return new TransactionalOutbox(outbox, dataSource);
  }

  /** The outbox's Actuator health, under the name {@code eventRelayerOutbox}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnEnabledHealthIndicator("eventrelayer")
  @EnableConfigurationProperties(EventRelayerHealthProperties.class)
  static final class OutboxHealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "eventRelayerOutboxHealthContributor")
    OutboxHealthIndicator eventRelayerOutboxHealthContributor(Outbox outbox,
        EventRelayerHealthProperties properties) {
      return new OutboxHealthIndicator(outbox.table(), outbox::stats, properties.getMaxOutboxPendingAge());
    }
  }

  /** The outbox's meters; Spring Boot binds the {@code MeterBinder} to every registry it manages. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static final class OutboxMetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OutboxMetrics outboxMetrics(Outbox outbox) {
      return new OutboxMetrics(outbox);
    }
  }
}
