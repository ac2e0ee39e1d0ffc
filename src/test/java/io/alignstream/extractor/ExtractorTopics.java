package io.alignstream.extractor;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.TopicLayout;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.schema.ExtractionRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The extractor's topics on an embedded broker, as tests drive them: requests in, committed records out. */
final class ExtractorTopics {

  private ExtractorTopics() {}

  /**
   * A cluster on the JVM's shared broker whose topics (under a random prefix) and registry scope are new, so tests cannot
   * see each other's records; its pipeline topics exist with {@code partitions} partitions.
   */
  static ClusterConfig freshCluster(String registryScope, int partitions) {
    ClusterConfig cluster = new ClusterConfig(SharedTestBroker.bootstrapServers(), "mock://" + registryScope + "-" + UUID.randomUUID(),
        new Topics("t" + UUID.randomUUID().toString().substring(0, 8) + "."), Map.of());
    PipelineTopics.ensure(cluster, TopicLayout.ofPartitions(partitions));
    return cluster;
  }

  /**
   * A request for one image, item, image id and concept named {@code item}; the caller sets the
   * conditionings, seed, resolution and latent mode.
   */
  static ExtractionRequest.Builder request(String item, byte[] image, List<Double> noise) {
    return ExtractionRequest.newBuilder()
        .setRequestId(item + "@test").setDataset("test").setItemId(item).setImageId(item + ".png").setConcept(item)
        .setImage(ByteBuffer.wrap(image)).setImageSha256("-").setNoiseLevels(noise)
        .setSettingsDigest("test").setCreatedAt(Instant.now());
  }

  /** Publishes the requests to the requests topic, keyed by request id. */
  static void send(ClusterConfig cluster, List<ExtractionRequest> requests) {
    try (var producer = new KafkaProducer<String, SpecificRecord>(cluster.producerProperties("test"),
        new StringSerializer(), AvroSerde.configured(SpecificRecord.class, cluster.serdeProperties(), false))) {
      for (ExtractionRequest r : requests) {
        producer.send(new ProducerRecord<>(cluster.topics().requests(), r.getRequestId(), r));
      }
    }
  }

  /**
   * Reads committed records of a topic until {@code expected} arrived (or {@code timeout} passed),
   * then briefly more to catch extras.
   */
  static <T extends SpecificRecord> List<T> consume(ClusterConfig cluster, String topic, Class<T> type,
      int expected, Duration timeout) {
    List<T> values = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(cluster.consumerProperties("reader", "reader-" + UUID.randomUUID()),
        new StringDeserializer(), AvroSerde.configured(type, cluster.serdeProperties(), false))) {
      consumer.subscribe(Set.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        for (ConsumerRecord<String, T> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
        if (values.size() >= expected && settleUntil == Long.MAX_VALUE) {
          settleUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
      }
    }
    return values;
  }
}
