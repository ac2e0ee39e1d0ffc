package io.alignstream.scorer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the {@code oooa} and {@code oooa-windowed} topics (read_committed, every partition,
 * from their end) and pushes each update to the {@link EventHub}. Reading the output topics,
 * rather than hooking the processors, means every instance's dashboard sees every setting,
 * whichever instance scored it, and only values whose transaction committed.
 */
final class MetricFeed implements Runnable, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroSerde<AlignmentMetric> metrics;
  private final EventHub hub;
  private final String cumulativeTopic;
  private final ObjectMapper json = new ObjectMapper();
  private final Thread thread;
  private volatile boolean running = true;

  MetricFeed(ClusterConfig cluster, String clientId, EventHub hub) {
    Map<String, Object> props = cluster.consumerProperties(clientId, clientId);
    props.remove("group.id"); // assigned partitions, no group: every instance reads everything
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.metrics = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
    this.hub = hub;
    this.cumulativeTopic = cluster.topics().oooa();
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(cluster.topics().oooa(), cluster.topics().oooaWindowed())) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // fix the start now, before anything is published
    this.thread = new Thread(this, "alignstream-metric-feed");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          publish(record);
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void publish(ConsumerRecord<String, byte[]> record) {
    try {
      AlignmentMetric metric = metrics.deserialize(record.topic(), record.value());
      if (metric == null) {
        return;
      }
      String name = record.topic().equals(cumulativeTopic) ? "metric" : "windowed";
      hub.publish(new EventHub.Event(name, json.writeValueAsString(MetricView.of(metric))));
    } catch (RuntimeException | JsonProcessingException e) {
      LOG.warn("skipping an undecodable metric at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
          e.getMessage());
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
