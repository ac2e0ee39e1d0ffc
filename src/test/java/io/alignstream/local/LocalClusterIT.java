package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.PipelineTopics;
import io.alignstream.common.Replication;
import io.alignstream.common.Topics;
import io.alignstream.common.registry.CompatibilityLevel;
import io.alignstream.common.registry.HttpSchemaRegistryClient;
import io.alignstream.common.registry.RegisteredSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker + registry in one, and what a kept data directory keeps across a restart. */
class LocalClusterIT {

  private static final Schema V1 = EmbeddedSchemaRegistryIT.V1;
  private static final Schema V2 = EmbeddedSchemaRegistryIT.V2_WITH_DEFAULT;
  private static final Schema OTHER = new Schema.Parser().parse(
      "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"z\",\"type\":\"long\"}]}");
  private static final Schema DELETED = new Schema.Parser().parse(
      "{\"type\":\"record\",\"name\":\"Gone\",\"fields\":[{\"name\":\"g\",\"type\":\"float\"}]}");

  @Test
  void aKeptDataDirectoryKeepsTopicsSchemasAndCompatibilityAcrossARestart(@TempDir Path dataDir) throws Exception {
    LocalCluster.Settings settings = LocalCluster.Settings.defaults().withDataDir(dataDir).withPartitions(3);
    Topics topics = Topics.withDefaultPrefix();
    int v1;
    int v2;
    int other;
    int deleted;
    try (LocalCluster cluster = LocalCluster.start(settings)) {
      assertThat(cluster.clusterConfig().schemaRegistryUrl()).isEqualTo(cluster.registryUrl());
      assertThat(cluster.clusterConfig().bootstrapServers()).isEqualTo(cluster.bootstrapServers());
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(cluster.registryUrl(), Map.of());
      v1 = client.register("t-value", V1);
      v2 = client.register("t-value", V2);
      other = client.register("u-value", OTHER);
      deleted = client.register("gone-value", DELETED);
      client.setCompatibility(null, CompatibilityLevel.FULL);
      client.setCompatibility("u-value", CompatibilityLevel.NONE);
      delete(cluster.registryUrl() + "/subjects/gone-value");
      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", cluster.bootstrapServers()),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(topics.models(), "tiny", "kept")).get();
      }
    }

    try (LocalCluster cluster = LocalCluster.start(settings)) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(cluster.registryUrl(), Map.of());
      assertThat(client.subjects()).containsExactlyInAnyOrder("t-value", "u-value");
      assertThat(client.version("t-value", 1)).isEqualTo(new RegisteredSchema("t-value", 1, v1, V1));
      assertThat(client.latest("t-value")).isEqualTo(new RegisteredSchema("t-value", 2, v2, V2));
      assertThat(client.latest("u-value")).isEqualTo(new RegisteredSchema("u-value", 1, other, OTHER));
      assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.FULL);
      assertThat(client.compatibility("u-value")).isEqualTo(CompatibilityLevel.NONE);
      assertThat(client.compatibility("t-value")).isEqualTo(CompatibilityLevel.FULL);
      // A deleted subject's id still resolves, and is not handed out again.
      assertThat(client.schemaById(deleted)).isEqualTo(DELETED);
      int next = client.register("w-value", new Schema.Parser().parse(
          "{\"type\":\"record\",\"name\":\"New\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"}]}"));
      assertThat(next).isNotIn(v1, v2, other, deleted);

      try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
        Set<String> expected = PipelineTopics.definitions(topics, 3, Replication.forBrokers(1)).stream()
            .map(t -> t.name()).collect(Collectors.toSet());
        Map<String, TopicDescription> described = admin.describeTopics(expected).allTopicNames().get();
        assertThat(described.get(topics.embeddings()).partitions()).hasSize(3);
        assertThat(described.get(topics.requests()).partitions()).hasSize(3);
        assertThat(admin.listTopics().names().get()).contains(EmbeddedSchemaRegistry.DEFAULT_TOPIC);
      }
      assertThat(readAll(cluster.bootstrapServers(), topics.models())).containsExactly("kept");
    }
  }

  private static void delete(String url) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static List<String> readAll(String bootstrap, String topic) {
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
        new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 40 && consumer.position(partition) < end; i++) {
        consumer.poll(Duration.ofMillis(250)).forEach(r -> values.add(r.value()));
      }
      return values;
    }
  }
}
