package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.serde.AvroSerde;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends String-keyed Avro records to one topic with an idempotent, acks=all producer, counting
 * the acknowledged ones. Sends are asynchronous; {@link #flush()} waits for all of them and
 * fails if any was not written, so a publication either reports every record as written or
 * says that it failed.
 */
final class TopicWriter<T extends SpecificRecord> implements AutoCloseable {

  private final String topic;
  private final KafkaProducer<String, T> producer;
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

  TopicWriter(ClusterConfig cluster, Class<T> type, String topic, String clientId, Map<String, Object> overrides) {
    this.topic = topic;
    Map<String, Object> props = cluster.producerProperties(clientId);
    props.putAll(overrides);
    AvroSerde<T> serde = AvroSerde.configured(type, cluster.serdeProperties(), false);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), serde);
  }

  String topic() {
    return topic;
  }

  void send(String key, T value) {
    producer.send(new ProducerRecord<>(topic, key, value), (metadata, exception) -> {
      if (exception == null) {
        acknowledged.incrementAndGet();
      } else {
        firstFailure.compareAndSet(null, exception);
      }
    });
  }

  /** Waits for every send; returns the records acknowledged since the last flush. */
  long flush() {
    producer.flush();
    Exception failure = firstFailure.getAndSet(null);
    long count = acknowledged.getAndSet(0);
    if (failure != null) {
      throw new IllegalStateException("publishing to " + topic + " failed (" + count + " records written): "
          + failure.getMessage(), failure);
    }
    return count;
  }

  @Override
  public void close() {
    producer.close();
  }
}
