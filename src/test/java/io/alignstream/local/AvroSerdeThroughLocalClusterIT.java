package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.registry.HttpSchemaRegistryClient;
import io.alignstream.common.registry.RegisteredSchema;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The Avro serde end to end: a real broker, the registry over real HTTP, a real producer and consumer. */
class AvroSerdeThroughLocalClusterIT {

  private static final String TOPIC = "serde-test-embeddings";

  @Test
  void aLayerEmbeddingTravelsInTheConfluentWireFormat() throws Exception {
    String bootstrap = SharedTestBroker.bootstrapServers();
    try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(bootstrap)
        .withTopic("_schemas-serde-test"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
      }
      Map<String, Object> serdeConfig = Map.of("schema.registry.url", registry.url());
      LayerEmbedding sent = embedding();

      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
          new StringSerializer(), AvroSerde.configured(LayerEmbedding.class, serdeConfig, false))) {
        producer.send(new ProducerRecord<>(TOPIC, "tiny|Down1|0.2|TEXT", sent)).get();
      }

      byte[] raw = consumeOne(bootstrap, new ByteArrayDeserializer()).value();
      LayerEmbedding received = consumeOne(bootstrap, AvroSerde.configured(LayerEmbedding.class, serdeConfig, false))
          .value();

      assertThat(received).isEqualTo(sent);
      // The registry (asked afresh over HTTP) holds the class's schema under TopicNameStrategy's
      // subject, and the record's header names its id.
      RegisteredSchema registered = new HttpSchemaRegistryClient(registry.url(), Map.of()).latest(TOPIC + "-value");
      assertThat(registered.schema()).isEqualTo(LayerEmbedding.getClassSchema());
      assertThat(raw[0]).isZero();
      assertThat(ByteBuffer.wrap(raw, 1, 4).getInt()).isEqualTo(registered.id());
    }
  }

  private static LayerEmbedding embedding() {
    return LayerEmbedding.newBuilder()
        .setSetting(Setting.newBuilder().setModelId("tiny").setLayer("Down1").setNoiseLevel(0.2).setTimestep(191)
            .setConditioning(Conditioning.TEXT).build())
        .setItemId("aardvark").setImageId("aardvark_01b.jpg").setRequestId("r1")
        .setVector(List.of(0.5f, -1.25f, 3e-7f, Float.MAX_VALUE)).setDim(4).setPooling("mean")
        .setPrompt("a photo of a aardvark").setSeed(42).setConfigDigest("c0ffee").setWeightsDigest("beef")
        .setSource("test").setComputedAt(Instant.ofEpochMilli(1_700_000_000_123L))
        .build();
  }

  private static <V> ConsumerRecord<String, V> consumeOne(String bootstrap,
      Deserializer<V> values) {
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
        new StringDeserializer(), values)) {
      TopicPartition partition = new TopicPartition(TOPIC, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<ConsumerRecord<String, V>> records = new ArrayList<>();
      for (int i = 0; i < 40 && records.isEmpty(); i++) {
        consumer.poll(Duration.ofMillis(250)).forEach(records::add);
      }
      assertThat(records).hasSize(1);
      return records.get(0);
    }
  }
}
