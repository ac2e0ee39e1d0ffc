package io.alignstream.local;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the {@code oooa}, {@code probes} and {@code regressions} topics as any user would,
 * keeping the latest record per setting: what the demo's live table shows is what is on the
 * output topics, not the scorer's internals.
 */
final class MetricsFollower implements AutoCloseable {

  /** The latest of each output per setting, ordered by setting key. */
  record Snapshot(Map<String, AlignmentMetric> metrics, Map<String, ProbeResult> probes,
      Map<String, RegressionResult> regressions) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final Topics topics;
  private final AvroSerde<AlignmentMetric> metricValues;
  private final AvroSerde<ProbeResult> probeValues;
  private final AvroSerde<RegressionResult> regressionValues;
  private final Map<String, AlignmentMetric> metrics = new ConcurrentHashMap<>();
  private final Map<String, ProbeResult> probes = new ConcurrentHashMap<>();
  private final Map<String, RegressionResult> regressions = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  MetricsFollower(ClusterConfig cluster) {
    this.topics = cluster.topics();
    this.consumer = new KafkaConsumer<>(
        cluster.consumerProperties("alignstream-demo-table", "alignstream-demo-" + UUID.randomUUID()),
        new StringDeserializer(), new ByteArrayDeserializer());
    this.metricValues = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
    this.probeValues = AvroSerde.configured(ProbeResult.class, cluster.serdeProperties(), false);
    this.regressionValues = AvroSerde.configured(RegressionResult.class, cluster.serdeProperties(), false);
    this.thread = new Thread(this::follow, "demo-metrics-follower");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  Snapshot snapshot() {
    return new Snapshot(new TreeMap<>(metrics), new TreeMap<>(probes), new TreeMap<>(regressions));
  }

  private void follow() {
    try {
      consumer.subscribe(Set.of(topics.oooa(), topics.probes(), topics.regressions()));
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() == null) {
            continue;
          }
          String topic = record.topic();
          if (topic.equals(topics.probes())) {
            probes.put(record.key(), probeValues.deserialize(topic, record.value()));
          } else if (topic.equals(topics.regressions())) {
            regressions.put(record.key(), regressionValues.deserialize(topic, record.value()));
          } else {
            metrics.put(record.key(), metricValues.deserialize(topic, record.value()));
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
