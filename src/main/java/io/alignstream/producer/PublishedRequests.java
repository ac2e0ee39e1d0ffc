package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.Digests;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.ExtractionRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The requests already on the (compacted) requests topic, as key -> content digest, so that
 * publishing the same folder again sends nothing: every extractor consumes every record, and a
 * re-sent request (which differs only in {@code created_at}) would be extracted again by every
 * model. The digest covers every field but {@code created_at}, so a changed image, concept or
 * dataset name under the same key is sent again.
 *
 * <p>Reading it costs one pass over the topic (the images are inline), once per publication;
 * only 32 bytes per request stay in memory. Records that are not readable requests, and keys
 * deleted by a tombstone, count as absent, so publishing again repairs them.
 */
final class PublishedRequests {

  private static final SpecificDatumWriter<ExtractionRequest> WRITER = new SpecificDatumWriter<>(ExtractionRequest.class);

  private final Map<String, String> digests;

  private PublishedRequests(Map<String, String> digests) {
    this.digests = digests;
  }

  /** Reads the requests topic up to its current end (committed records only). */
  static PublishedRequests read(ClusterConfig cluster) {
    String topic = cluster.topics().requests();
    Map<String, Object> props = cluster.consumerProperties("alignstream-producer-dedupe", "unused");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not subscribed: no group, nothing committed
    Map<String, String> digests = new HashMap<>();
    AvroSerde<ExtractionRequest> serde = AvroSerde.configured(ExtractionRequest.class, cluster.serdeProperties(), false);
    try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (!reached(consumer, end)) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key() == null) {
            continue;
          }
          String digest = record.value() == null ? null : digestOrNull(serde, topic, record.value());
          if (digest == null) {
            digests.remove(record.key());
          } else {
            digests.put(record.key(), digest);
          }
        }
      }
    }
    return new PublishedRequests(digests);
  }

  /** Whether exactly this request (all but its creation time) is already on the topic under its key. */
  boolean contains(String key, ExtractionRequest request) {
    return digest(request).equals(digests.get(key));
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static String digestOrNull(AvroSerde<ExtractionRequest> serde, String topic, byte[] value) {
    try {
      return digest(serde.deserialize(topic, value));
    } catch (RuntimeException notARequest) {
      return null;
    }
  }

  /** SHA-256 of the request's Avro binary with created_at fixed: equal content, equal digest. */
  static String digest(ExtractionRequest request) {
    ExtractionRequest content = ExtractionRequest.newBuilder(request).setCreatedAt(Instant.EPOCH).build();
    MessageDigest sha = Digests.newSha256();
    try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      WRITER.write(content, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a null stream does not fail
    }
    return Digests.hex(sha);
  }
}
