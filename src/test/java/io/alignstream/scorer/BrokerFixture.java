package io.alignstream.scorer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producing scorer inputs to a real broker and reading its outputs back (read_committed). */
public final class BrokerFixture implements AutoCloseable {

  public final ClusterConfig cluster;
  public final Topics topics;
  private final KafkaProducer<String, byte[]> producer;
  private final AvroSerde<LayerEmbedding> embeddings;
  private final AvroSerde<TripletJudgment> triplets;
  private final AvroSerde<AlignmentMetric> metrics;
  private final AvroSerde<DeadLetter> deadLetters;

  public BrokerFixture(String bootstrap, String registryUrl, String topicPrefix) {
    this.cluster = ClusterConfig.of(bootstrap, registryUrl).withTopics(new Topics(topicPrefix));
    this.topics = cluster.topics();
    this.producer = new KafkaProducer<>(cluster.producerProperties("scorer-test-producer"), new StringSerializer(),
        new ByteArraySerializer());
    this.embeddings = AvroSerde.configured(LayerEmbedding.class, cluster.serdeProperties(), false);
    this.triplets = AvroSerde.configured(TripletJudgment.class, cluster.serdeProperties(), false);
    this.metrics = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
    this.deadLetters = AvroSerde.configured(DeadLetter.class, cluster.serdeProperties(), false);
  }

  /** Sends embeddings and triplets (in the given order) and waits until the broker has them. */
  public void send(List<?> inputs) {
    for (Object input : inputs) {
      if (input instanceof LayerEmbedding e) {
        producer.send(new ProducerRecord<>(topics.embeddings(), SettingKey.of(e.getSetting()),
            embeddings.serialize(topics.embeddings(), e)));
      } else if (input instanceof TripletJudgment t) {
        producer.send(new ProducerRecord<>(topics.triplets(), t.getTripletId(), triplets.serialize(topics.triplets(), t)));
      } else {
        throw new IllegalArgumentException("not a scorer input: " + input);
      }
    }
    producer.flush();
  }

  public void sendRaw(String topic, String key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, key, value));
    producer.flush();
  }

  /**
   * Reads {@code oooa} from the beginning until the latest metric of every expected setting
   * satisfies {@code done}, or the timeout passes; returns the latest metric per setting.
   */
  public Map<String, AlignmentMetric> awaitMetrics(Predicate<Map<String, AlignmentMetric>> done, Duration timeout) {
    Map<String, AlignmentMetric> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      assignFromBeginning(consumer, topics.oooa());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline && !done.test(latest)) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          latest.put(record.key(), metrics.deserialize(record.topic(), record.value()));
        }
      }
    }
    return latest;
  }

  public List<DeadLetter> readDeadLetters(int atLeast, Duration timeout) {
    List<DeadLetter> letters = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      assignFromBeginning(consumer, topics.deadletter());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline && letters.size() < atLeast) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          letters.add(deadLetters.deserialize(record.topic(), record.value()));
        }
      }
    }
    return letters;
  }

  /** Every committed record of {@code topic} (key, value bytes), read from the beginning until {@code quietFor} passes without one. */
  public List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration quietFor) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      assignFromBeginning(consumer, topic);
      long quietSince = System.nanoTime();
      while (System.nanoTime() - quietSince < quietFor.toNanos()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          records.add(record);
          quietSince = System.nanoTime();
        }
      }
    }
    return records;
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> props = cluster.consumerProperties("scorer-test-reader", "unused");
    props.remove("group.id");
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static void assignFromBeginning(KafkaConsumer<String, byte[]> consumer, String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
