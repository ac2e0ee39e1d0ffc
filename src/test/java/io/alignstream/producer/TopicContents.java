package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.serde.AvroSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic back, from the beginning to the end offsets at the time of the call. */
public final class TopicContents {

  private TopicContents() {}

  public static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(ClusterConfig cluster, String topic,
      Class<T> type) {
    AvroSerde<T> serde = AvroSerde.configured(type, cluster.serdeProperties(), false);
    Map<String, Object> props = cluster.consumerProperties("test-reader", "test-reader-" + topic);
    props.put("max.partition.fetch.bytes", 32 * 1024 * 1024);
    props.put("fetch.max.bytes", 64 * 1024 * 1024);
    try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(props, new StringDeserializer(), serde)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, T>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!reachedEnd(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out reading " + topic + " after " + records.size() + " records");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }

  private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
