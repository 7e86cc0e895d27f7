/**
 * The Kafka event service ({@code type: kafka}): events to topics as JSON records, on kafka-clients. See
 * {@link org.eventrelayer.kafka.KafkaEventServiceProvider} for its keys, defaults and outcomes.
 */
package org.eventrelayer.kafka;
