package io.alignstream.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the results of a running or finished evaluation from its output topics: the latest
 * record per setting of {@code oooa}, {@code probes} and {@code regressions}, up to the offsets
 * that were committed when reading started (read_committed: an aborted or open transaction is
 * never shown). Probe and regression records are read with their writers' schemas and taken by
 * the field names of the JSON contract, so a report reads whichever version of those schemas
 * wrote them.
 */
public final class TopicResults {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TopicResults() {}

  public static Results read(ClusterConfig cluster, Duration timeout) {
    Map<String, Object> props = cluster.consumerProperties("alignstream-report", "unused");
    props.remove("group.id");
    AvroSerde<AlignmentMetric> metricSerde = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(),
        false);
    AvroSerde<GenericRecord> genericSerde = AvroSerde.configured(GenericRecord.class, cluster.serdeProperties(),
        false);
    Map<String, AlignmentMetric> metrics = new LinkedHashMap<>();
    Map<String, JsonNode> probes = new LinkedHashMap<>();
    Map<String, JsonNode> regressions = new LinkedHashMap<>();
    String oooa = cluster.topics().oooa();
    String probeTopic = cluster.topics().probes();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(oooa, probeTopic, cluster.topics().regressions())) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos != null) {
          infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
      }
      if (partitions.stream().noneMatch(p -> p.topic().equals(oooa))) {
        throw new IllegalArgumentException("topic " + oooa + " does not exist at " + cluster.bootstrapServers()
            + ": nothing has been scored there (check --bootstrap-servers and --topic-prefix)");
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new LinkedHashMap<>(consumer.endOffsets(partitions, timeout));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey(), timeout) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read the result topics to their end within " + timeout);
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() == null) {
            continue;
          }
          if (record.topic().equals(oooa)) {
            metrics.put(record.key(), metricSerde.deserialize(record.topic(), record.value()));
          } else {
            JsonNode result = contract(genericSerde.deserialize(record.topic(), record.value()));
            (record.topic().equals(probeTopic) ? probes : regressions).put(result.get("setting").asText(), result);
          }
        }
      }
    }
    return results(metrics, probes, regressions);
  }

  private static Results results(Map<String, AlignmentMetric> metrics, Map<String, JsonNode> probes,
      Map<String, JsonNode> regressions) {
    Double ceiling = null;
    for (AlignmentMetric m : metrics.values()) {
      ceiling = m.getNoiseCeiling() != null ? m.getNoiseCeiling() : ceiling;
    }
    return new Results(metrics.values().stream().map(Results.Metric::of).toList(),
        probes.values().stream().map(Results::probe).toList(),
        regressions.values().stream().map(Results::regression).toList(),
        ceiling == null ? Results.Ceiling.UNAVAILABLE : Results.Ceiling.ofRun(ceiling), Results.Analyses.UNKNOWN);
  }

  /**
   * A probe or regression record as the JSON contract spells it: the setting as its key string,
   * and the names of the first schema version ({@code mean_accuracy}, {@code dimension}) under
   * the contract's names where the record has no field of the contract's name.
   */
  static JsonNode contract(GenericRecord record) {
    ObjectNode node;
    try {
      node = (ObjectNode) JSON.readTree(GenericData.get().toString(record));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + record.getSchema().getFullName() + " as JSON", e);
    }
    JsonNode setting = node.get("setting");
    if (setting != null && setting.isObject()) {
      node.put("setting", setting.path("pooling").isTextual()
          ? SettingKey.ofPooled(setting.path("model_id").asText(), setting.path("layer").asText(),
              setting.path("pooling").asText())
          : SettingKey.of(setting.path("model_id").asText(), setting.path("layer").asText(),
              setting.path("noise_level").asDouble(), Conditioning.valueOf(setting.path("conditioning").asText())));
    }
    rename(node, "mean_accuracy", "mean_probe_accuracy");
    for (JsonNode dimension : node.path("dimensions")) {
      rename((ObjectNode) dimension, "dimension", "index");
    }
    return node;
  }

  private static void rename(ObjectNode node, String old, String contract) {
    if (!node.has(contract) && node.has(old)) {
      node.set(contract, node.remove(old));
    }
  }
}
