package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.TopicLayout;
import io.alignstream.common.SettingKey;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.local.EmbeddedKafkaBroker;
import io.alignstream.local.EmbeddedSchemaRegistry;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code report} from the result topics of a real broker and registry: the latest committed
 * record per setting is plotted and tabled; records of an aborted transaction never are; probe
 * and regression records written with the first schema versions are read by the contract's names.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReportFromTopicsIT {

  @Test
  void theReportShowsTheLatestCommittedResultPerSetting(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(null, 0);
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(
            EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers()).withPort(0))) {
      ClusterConfig cluster = ClusterConfig.of(broker.bootstrapServers(), registry.url())
          .withTopics(new Topics("report-it."));
      assertThatThrownBy(() -> TopicResults.read(cluster, Duration.ofSeconds(5)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("report-it.oooa does not exist");
      PipelineTopics.ensure(cluster, TopicLayout.ofPartitions(2));
      Topics topics = cluster.topics();
      Setting mid = setting("sd", "Mid", 0.2, Conditioning.TEXT);
      Setting up = setting("sd", "Up1", 0.2, Conditioning.TEXT);
      try (KafkaProducer<String, byte[]> producer = producer(cluster)) {
        producer.initTransactions();
        producer.beginTransaction();
        send(producer, cluster, topics.oooa(), mid, metric(mid, 100, 300));
        send(producer, cluster, topics.oooa(), up, metric(up, 120, 300));
        send(producer, cluster, topics.oooa(), mid, metric(mid, 190, 400)); // a later update of Mid
        send(producer, cluster, topics.probes(), mid, firstProbeVersion(mid));
        send(producer, cluster, topics.regressions(), mid, contractRegression(mid));
        producer.commitTransaction();
        producer.beginTransaction();
        send(producer, cluster, topics.oooa(), up, metric(up, 299, 300)); // never committed
        producer.flush();
        producer.abortTransaction();
      }

      Results results = TopicResults.read(cluster, Duration.ofSeconds(30));
      ReportFolder.Written written = ReportFolder.write(results, "topics", dir, false);

      assertThat(results.metrics()).extracting(Results.Metric::setting, Results.Metric::correct, Results.Metric::total)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("sd|Mid|0.2|TEXT", 190L, 400L),
              org.assertj.core.groups.Tuple.tuple("sd|Up1|0.2|TEXT", 120L, 300L));
      assertThat(results.probes()).singleElement().satisfies(p -> {
        assertThat(p.setting()).isEqualTo("sd|Mid|0.2|TEXT");
        assertThat(p.meanProbeAccuracy()).isEqualTo(0.61);
        assertThat(p.lambda()).isEqualTo(0.001);
      });
      assertThat(results.regressions()).singleElement().satisfies(r -> assertThat(r.dimensions())
          .extracting(Results.Dimension::index, Results.Dimension::name, Results.Dimension::r2)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(0, "animal", 0.6),
              org.assertj.core.groups.Tuple.tuple(1, "dim 2", 0.3)));
      assertThat(results.ceiling().value()).isEqualTo(0.7);
      var points = ReportCheck.elements(ReportCheck.svg(written.dir(), "accuracy", "sd"), "circle");
      assertThat(points).extracting(e -> e.getAttribute("data-setting") + "=" + e.getAttribute("data-accuracy"))
          .containsExactlyInAnyOrder("sd|Mid|0.2|TEXT=" + 190 / 400.0, "sd|Up1|0.2|TEXT=" + 120 / 300.0);
      assertThat(ReportCheck.csv(written.dir().resolve("settings.csv"))).hasSize(2);
    }
  }

  /** A probe as the first ProbeResult schema wrote it (mean_accuracy, no folds list). */
  private static GenericRecord firstProbeVersion(Setting setting) {
    Schema schema = SchemaBuilder.record("ProbeResult").namespace("io.alignstream.schema").fields()
        .name("setting").type(Setting.getClassSchema()).noDefault()
        .name("fold_accuracies").type().array().items().doubleType().noDefault()
        .requiredDouble("mean_accuracy").requiredDouble("lambda").requiredLong("updated_at").endRecord();
    GenericRecord probe = new GenericData.Record(schema);
    probe.put("setting", generic(setting));
    probe.put("fold_accuracies", List.of(0.6, 0.62, 0.61));
    probe.put("mean_accuracy", 0.61);
    probe.put("lambda", 0.001);
    probe.put("updated_at", 0L);
    return probe;
  }

  /** A regression with the contract's field names (index, label, r2, alpha). */
  private static GenericRecord contractRegression(Setting setting) {
    Schema dimension = SchemaBuilder.record("DimensionScore").namespace("io.alignstream.schema").fields()
        .requiredInt("index").optionalString("label").requiredDouble("r2").requiredDouble("alpha").endRecord();
    Schema schema = SchemaBuilder.record("RegressionResult").namespace("io.alignstream.schema").fields()
        .name("setting").type(Setting.getClassSchema()).noDefault()
        .name("dimensions").type().array().items(dimension).noDefault()
        .requiredDouble("mean_r2").optionalDouble("predicted_oooa").endRecord();
    GenericRecord first = new GenericData.Record(dimension);
    first.put("index", 0);
    first.put("label", "animal");
    first.put("r2", 0.6);
    first.put("alpha", 10.0);
    GenericRecord second = new GenericData.Record(dimension);
    second.put("index", 1);
    second.put("r2", 0.3);
    second.put("alpha", 1.0);
    GenericRecord regression = new GenericData.Record(schema);
    regression.put("setting", generic(setting));
    regression.put("dimensions", List.of(first, second));
    regression.put("mean_r2", 0.45);
    regression.put("predicted_oooa", 0.5);
    return regression;
  }

  /** The setting as a generic record (a generic writer takes no generated enum). */
  private static GenericRecord generic(Setting setting) {
    GenericRecord record = new GenericData.Record(Setting.getClassSchema());
    record.put("model_id", setting.getModelId());
    record.put("layer", setting.getLayer());
    record.put("noise_level", setting.getNoiseLevel());
    record.put("timestep", setting.getTimestep());
    record.put("conditioning", new GenericData.EnumSymbol(Conditioning.getClassSchema(),
        setting.getConditioning().name()));
    return record;
  }

  private static Setting setting(String model, String layer, double noise, Conditioning c) {
    return Setting.newBuilder().setModelId(model).setLayer(layer).setNoiseLevel(noise).setTimestep(191)
        .setConditioning(c).build();
  }

  private static AlignmentMetric metric(Setting s, long correct, long total) {
    double[] ci = ContractReport.wilson(correct, total);
    return AlignmentMetric.newBuilder().setSetting(s).setCorrect(correct).setTotal(total)
        .setAccuracy((double) correct / total).setCiLow(ci[0]).setCiHigh(ci[1]).setChance(1.0 / 3)
        .setItemsEmbedded(300).setItemsReferenced(300).setCoverage(1.0).setNoiseCeiling(0.7)
        .setNormalized(((double) correct / total - 1.0 / 3) / (0.7 - 1.0 / 3)).setUpdatedAt(Instant.EPOCH).build();
  }

  private static KafkaProducer<String, byte[]> producer(ClusterConfig cluster) {
    Map<String, Object> props = cluster.producerProperties("report-it");
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "report-it");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private static void send(KafkaProducer<String, byte[]> producer, ClusterConfig cluster, String topic, Setting key,
      IndexedRecord value) {
    AvroSerde<IndexedRecord> serde = AvroSerde.configured(IndexedRecord.class, cluster.serdeProperties(), false);
    producer.send(new ProducerRecord<>(topic, SettingKey.of(key), serde.serialize(topic, value)));
  }
}
