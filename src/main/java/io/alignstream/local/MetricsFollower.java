package io.alignstream.local;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the {@code oooa} topic as any user would, keeping the latest metric per setting: what
 * the demo's live table shows is what is on the output topic, not the scorer's internals.
 */
final class MetricsFollower implements AutoCloseable {

  private final KafkaConsumer<String, AlignmentMetric> consumer;
  private final String topic;
  private final Map<String, AlignmentMetric> latest = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  MetricsFollower(ClusterConfig cluster) {
    this.topic = cluster.topics().oooa();
    this.consumer = new KafkaConsumer<>(
        cluster.consumerProperties("alignstream-demo-table", "alignstream-demo-" + UUID.randomUUID()),
        new StringDeserializer(),
        AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false));
    this.thread = new Thread(this::follow, "demo-metrics-follower");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** The latest metric of every setting seen so far, ordered by setting key. */
  Map<String, AlignmentMetric> snapshot() {
    return new TreeMap<>(latest);
  }

  private void follow() {
    try {
      consumer.subscribe(Set.of(topic));
      while (running.get()) {
        for (ConsumerRecord<String, AlignmentMetric> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() != null) {
            latest.put(record.key(), record.value());
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
