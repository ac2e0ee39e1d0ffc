package io.alignstream.scorer.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.scorer.ceiling.CeilingView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the {@code oooa}, {@code oooa-windowed}, {@code probes} and {@code regressions}
 * topics (read_committed, every partition, from their end) and pushes each update to the
 * {@link EventHub}. Reading the output topics, rather than hooking the processors, means every
 * instance's dashboard sees every setting, whichever instance scored it, and only values whose
 * transaction committed. The noise ceiling is not a topic: it is asked for once a second and
 * sent as a {@code ceiling} event when it differs from the last one sent.
 */
public final class MetricFeed implements Runnable, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroSerde<AlignmentMetric> metrics;
  private final AvroSerde<ProbeResult> probes;
  private final AvroSerde<RegressionResult> regressions;
  private final EventHub hub;
  private final MetricsQuery query;
  private final Topics topics;
  private CeilingView lastCeiling;
  private long lastCeilingCheck;
  private final ObjectMapper json = new ObjectMapper();
  private final Thread thread;
  private volatile boolean running = true;

  public MetricFeed(ClusterConfig cluster, String clientId, EventHub hub, MetricsQuery query) {
    Map<String, Object> props = cluster.consumerProperties(clientId, clientId);
    props.remove("group.id"); // assigned partitions, no group: every instance reads everything
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.metrics = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
    this.probes = AvroSerde.configured(ProbeResult.class, cluster.serdeProperties(), false);
    this.regressions = AvroSerde.configured(RegressionResult.class, cluster.serdeProperties(), false);
    this.hub = hub;
    this.query = query;
    this.topics = cluster.topics();
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(topics.oooa(), topics.oooaWindowed(), topics.probes(), topics.regressions())) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // fix the start now, before anything is published
    this.thread = new Thread(this, "alignstream-metric-feed");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  @Override
  public void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          publish(record);
        }
        publishCeilingIfChanged();
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void publish(ConsumerRecord<String, byte[]> record) {
    try {
      if (record.value() == null) {
        return;
      }
      String topic = record.topic();
      if (topic.equals(topics.probes())) {
        hub.publish(new EventHub.Event("probe",
            json.writeValueAsString(ProbeView.of(probes.deserialize(topic, record.value())))));
      } else if (topic.equals(topics.regressions())) {
        hub.publish(new EventHub.Event("regression",
            json.writeValueAsString(RegressionView.of(regressions.deserialize(topic, record.value())))));
      } else {
        String name = topic.equals(topics.oooa()) ? "metric" : "windowed";
        hub.publish(new EventHub.Event(name,
            json.writeValueAsString(MetricView.of(metrics.deserialize(topic, record.value())))));
      }
    } catch (RuntimeException | JsonProcessingException e) {
      LOG.warn("skipping an undecodable metric at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
          e.getMessage());
    }
  }

  private void publishCeilingIfChanged() {
    long now = System.currentTimeMillis();
    if (now - lastCeilingCheck < 1000) {
      return;
    }
    lastCeilingCheck = now;
    try {
      Optional<CeilingView> ceiling = query.ceiling();
      if (ceiling.isPresent() && !ceiling.get().equals(lastCeiling)) {
        lastCeiling = ceiling.get();
        hub.publish(new EventHub.Event("ceiling", json.writeValueAsString(lastCeiling)));
      }
    } catch (MetricsQuery.Unavailable e) {
      LOG.debug("noise ceiling not queryable now: {}", e.getMessage());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the noise ceiling as JSON", e);
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
