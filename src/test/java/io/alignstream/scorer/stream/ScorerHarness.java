package io.alignstream.scorer.stream;

import io.alignstream.common.Topics;
import io.alignstream.common.registry.SchemaRegistries;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisJobs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The scorer topology on a TopologyTestDriver, with the Avro serdes on a private mock:// registry. */
final class ScorerHarness implements AutoCloseable {

  final Topics topics = Topics.withDefaultPrefix();
  final String registryUrl = "mock://scorer-" + UUID.randomUUID();
  final ScorerConfig config;
  final TopologyTestDriver driver;
  final AnalysisJobs analyses;
  final AvroSerde<LayerEmbedding> embeddingSerde;
  final AvroSerde<TripletJudgment> tripletSerde;
  final AvroSerde<AlignmentMetric> metricSerde;
  final AvroSerde<DeadLetter> deadLetterSerde;
  final AvroSerde<ProbeResult> probeSerde;
  final AvroSerde<RegressionResult> regressionSerde;
  private final TestInputTopic<byte[], byte[]> embeddingsIn;
  private final TestInputTopic<byte[], byte[]> tripletsIn;
  private final TestOutputTopic<String, AlignmentMetric> oooaOut;
  private final TestOutputTopic<String, AlignmentMetric> windowedOut;
  private final TestOutputTopic<String, DeadLetter> deadLettersOut;
  private final TestOutputTopic<String, ProbeResult> probesOut;
  private final TestOutputTopic<String, RegressionResult> regressionsOut;
  private final Map<String, AlignmentMetric> latest = new LinkedHashMap<>();
  private final Path stateDir;

  ScorerHarness() {
    this(ScorerOrderTest.CONFIG);
  }

  ScorerHarness(ScorerConfig config) {
    this.config = config;
    try {
      stateDir = Files.createTempDirectory("scorer-ttd");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> registry = Map.of("schema.registry.url", registryUrl);
    embeddingSerde = AvroSerde.configured(LayerEmbedding.class, registry, false);
    tripletSerde = AvroSerde.configured(TripletJudgment.class, registry, false);
    metricSerde = AvroSerde.configured(AlignmentMetric.class, registry, false);
    deadLetterSerde = AvroSerde.configured(DeadLetter.class, registry, false);
    probeSerde = AvroSerde.configured(ProbeResult.class, registry, false);
    regressionSerde = AvroSerde.configured(RegressionResult.class, registry, false);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "scorer-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    analyses = new AnalysisJobs(config.analysis());
    driver = new TopologyTestDriver(ScorerTopology.build(topics, registry, config, analyses, 1, "test"), props,
        Instant.EPOCH);
    ByteArraySerializer bytes = new ByteArraySerializer();
    embeddingsIn = driver.createInputTopic(topics.embeddings(), bytes, bytes);
    tripletsIn = driver.createInputTopic(topics.triplets(), bytes, bytes);
    StringDeserializer strings = new StringDeserializer();
    oooaOut = driver.createOutputTopic(topics.oooa(), strings, metricSerde);
    windowedOut = driver.createOutputTopic(topics.oooaWindowed(), strings, metricSerde);
    deadLettersOut = driver.createOutputTopic(topics.deadletter(), strings, deadLetterSerde);
    probesOut = driver.createOutputTopic(topics.probes(), strings, probeSerde);
    regressionsOut = driver.createOutputTopic(topics.regressions(), strings, regressionSerde);
  }

  byte[] bytes(LayerEmbedding embedding) {
    return embeddingSerde.serialize(topics.embeddings(), embedding);
  }

  byte[] bytes(TripletJudgment triplet) {
    return tripletSerde.serialize(topics.triplets(), triplet);
  }

  void pipe(LayerEmbedding embedding, long timestamp) {
    pipeEmbeddingBytes(io.alignstream.common.SettingKey.of(embedding.getSetting()), bytes(embedding), timestamp);
  }

  void pipe(TripletJudgment triplet, long timestamp) {
    pipeTripletBytes(triplet.getTripletId(), bytes(triplet), timestamp);
  }

  void pipeEmbeddingBytes(String key, byte[] value, long timestamp) {
    embeddingsIn.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, timestamp);
  }

  void pipeTripletBytes(String key, byte[] value, long timestamp) {
    tripletsIn.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, timestamp);
  }

  void tombstone(String tripletId, long timestamp) {
    pipeTripletBytes(tripletId, null, timestamp);
  }

  /** Lets wall-clock time pass by one emit interval: the rate-limited publication runs. */
  void tick() {
    driver.advanceWallClockTime(config.windows().emitInterval());
  }

  void advanceWallClock(Duration duration) {
    driver.advanceWallClockTime(duration);
  }

  /** Cumulative metrics published since the last call, in order. */
  List<KeyValue<String, AlignmentMetric>> drainCumulative() {
    List<KeyValue<String, AlignmentMetric>> records = oooaOut.readKeyValuesToList();
    records.forEach(kv -> latest.put(kv.key, kv.value));
    return records;
  }

  /** The latest published cumulative metric per setting, over everything published so far. */
  Map<String, AlignmentMetric> latestMetrics() {
    drainCumulative();
    return latest;
  }

  List<KeyValue<String, AlignmentMetric>> drainWindowed() {
    return windowedOut.readKeyValuesToList();
  }

  List<KeyValue<String, DeadLetter>> drainDeadLetters() {
    return new ArrayList<>(deadLettersOut.readKeyValuesToList());
  }

  List<KeyValue<String, ProbeResult>> drainProbes() {
    return probesOut.readKeyValuesToList();
  }

  List<KeyValue<String, RegressionResult>> drainRegressions() {
    return regressionsOut.readKeyValuesToList();
  }

  @Override
  public void close() {
    driver.close();
    analyses.close();
    SchemaRegistries.dropMock(registryUrl);
  }
}
