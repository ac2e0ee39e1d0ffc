package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ModelRequests;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.SettingKey;
import io.alignstream.common.Topics;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.FleetService;
import io.alignstream.extractor.FleetService.Outcome;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.producer.Dataset;
import io.alignstream.producer.DatasetItem;
import io.alignstream.producer.ExtractionSettings;
import io.alignstream.producer.ModelRequestPublisher;
import io.alignstream.producer.RequestPublisher;
import io.alignstream.producer.SyntheticDataset;
import io.alignstream.producer.SyntheticSpec;
import io.alignstream.producer.TopicContents;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.EvaluationState;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import io.alignstream.schema.ModelProgress;
import io.alignstream.schema.ModelRequest;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code extract --fleet} instances on a real broker and HTTP registry: models requested at
 * different times are evaluated on the images already requested, their work shared exactly
 * once; an unloadable model is dead-lettered once and the fleet carries on; a repeated request
 * is a no-op. Every embedding is compared with the model run directly on the decoded image.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FleetIT {

  private static final int IMAGES = 8;
  private static final ExtractionSettings IMAGE_SETTINGS =
      new ExtractionSettings(List.of(0.2), List.of(), List.of(Conditioning.NONE), 3, 32, LatentMode.SAMPLE);

  @TempDir
  static Path modelCache;
  private static EmbeddedSchemaRegistry registry;
  private static int threads;

  @BeforeAll
  static void start() {
    threads = EngineThreads.set(1);
    registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(SharedTestBroker.bootstrapServers())
        .withTopic("_schemas-fleet-it"));
  }

  @AfterAll
  static void stop() {
    registry.close();
    EngineThreads.set(threads);
  }

  @Test
  void twoInstancesShareModelsRequestedLaterRejectAnUnloadableOneOnceAndIgnoreARepeat() throws Exception {
    ClusterConfig cluster = ClusterConfig.of(SharedTestBroker.bootstrapServers(), registry.url())
        .withTopics(new Topics("fleet" + UUID.randomUUID().toString().substring(0, 8) + "."));
    PipelineTopics.ensure(cluster, 3, (short) 1);
    Dataset images = SyntheticDataset.generate(SyntheticSpec.defaults()).dataset().limitItems(IMAGES);
    try (RequestPublisher requests = new RequestPublisher(cluster)) {
      assertThat(requests.publish(images, IMAGE_SETTINGS).published()).isEqualTo(IMAGES);
    }
    ModelOptions modelOptions = ModelOptions.defaults().withModelCache(modelCache).withUnetBatch(4);
    try (FleetService a = FleetInstances.instance(cluster, "a", modelOptions);
        FleetService b = FleetInstances.instance(cluster, "b", modelOptions);
        ModelRequestPublisher publisher = new ModelRequestPublisher(cluster)) {
      a.start();
      b.start();

      // 1. pixels, alone.
      String pixels = publisher.publish(request("pixels", List.of(), List.of(), "alice"));
      FleetInstances.awaitHandled(List.of(a, b), 1);
      assertThat(FleetInstances.outcomes(a, b, pixels)).contains(Outcome.EVALUATED)
          .allMatch(o -> o == Outcome.EVALUATED || o == Outcome.ALREADY_EVALUATED);
      List<LayerEmbedding> afterPixels = embeddings(cluster, e -> true);
      assertThat(afterPixels).hasSize(IMAGES * 2);
      assertEqualToTheModelRunDirectly(afterPixels, "pixels", modelOptions, images, List.of(0.0),
          List.of(Conditioning.NONE));

      // 2. A model no instance can load: one dead letter for the fleet, and both carry on.
      Path missing = modelCache.resolve("no-such-pipeline");
      String broken = publisher.publish(request(missing.toString(), List.of(), List.of(), "bob"));
      // 3. tiny, requested later with its own grid (noise 0.5, TEXT) instead of the images' (0.2, NONE).
      String tiny = publisher.publish(request("tiny", List.of(0.5), List.of(Conditioning.TEXT), "carol"));
      FleetInstances.awaitHandled(List.of(a, b), 3);
      assertThat(FleetInstances.outcomes(a, b, broken)).containsExactly(Outcome.DEAD_LETTERED, Outcome.DEAD_LETTERED);
      List<DeadLetter> letters = TopicContents.readAll(cluster, cluster.topics().deadletter(), DeadLetter.class)
          .stream().map(ConsumerRecord::value).toList();
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.getService()).isEqualTo("fleet");
        assertThat(letter.getStage()).isEqualTo("load-model");
        assertThat(letter.getReason()).startsWith("cannot load model " + missing + ": ");
        assertThat(letter.getTopic()).isEqualTo(cluster.topics().modelRequests());
        assertThat(letter.getOriginalKey().array()).asString().isEqualTo(broken);
      });
      // Both instances took tiny up (it was requested while both were idle) and split its images exactly once.
      assertThat(FleetInstances.outcomes(a, b, tiny)).containsExactly(Outcome.EVALUATED, Outcome.EVALUATED);
      assertThat(a.imagesProcessed("tiny") + b.imagesProcessed("tiny")).isEqualTo(IMAGES);
      List<LayerEmbedding> tinyEmbeddings = embeddings(cluster, e -> e.getSetting().getModelId().equals("tiny"));
      assertThat(tinyEmbeddings).hasSize(IMAGES * 9)
          .allSatisfy(e -> assertThat(SettingKey.of(e.getSetting())).endsWith("|0.5|TEXT"));
      assertEqualToTheModelRunDirectly(tinyEmbeddings, "tiny", modelOptions, images, List.of(0.5),
          List.of(Conditioning.TEXT));
      Map<String, ModelProgress> progress = new HashMap<>();
      TopicContents.readAll(cluster, cluster.topics().modelProgress(), ModelProgress.class)
          .forEach(r -> progress.put(r.key(), r.value()));
      assertThat(progress.keySet()).containsExactlyInAnyOrder(pixels, tiny);
      assertThat(progress.values()).allSatisfy(p -> {
        assertThat(p.getState()).isEqualTo(EvaluationState.DONE);
        assertThat(p.getConsumedOffsets()).isEqualTo(p.getEndOffsets()).isEqualTo(IMAGES);
      });
      assertThat(TopicContents.readAll(cluster, cluster.topics().models(), ModelCard.class))
          .extracting(r -> r.value().getModelId()).contains("pixels", "tiny");

      // 4. pixels again, asked by someone else: the same evaluation, already done, so nothing happens.
      String again = publisher.publish(request("pixels", List.of(), List.of(), "dave"));
      assertThat(again).isEqualTo(pixels);
      FleetInstances.awaitHandled(List.of(a, b), 4);
      for (FleetService f : List.of(a, b)) {
        assertThat(f.handled().get(3).evaluation()).isEqualTo(pixels);
        assertThat(f.handled().get(3).outcome()).isEqualTo(Outcome.ALREADY_EVALUATED);
      }
      assertThat(embeddings(cluster, e -> true)).hasSize(IMAGES * 2 + IMAGES * 9);
      assertThat(a.failure()).isEmpty();
      assertThat(b.failure()).isEmpty();
    }
  }

  private static ModelRequest request(String model, List<Double> noise, List<Conditioning> conditionings,
      String by) {
    return ModelRequests.create(model, null, "default", "mean", noise, conditionings, "float32", by, Instant.now());
  }

  private static List<LayerEmbedding> embeddings(ClusterConfig cluster, Predicate<LayerEmbedding> filter) {
    return TopicContents.readAll(cluster, cluster.topics().embeddings(), LayerEmbedding.class).stream()
        .map(ConsumerRecord::value).filter(filter).toList();
  }

  /** Exactly one embedding per (image, setting), equal to the model's own output on the decoded image. */
  private static void assertEqualToTheModelRunDirectly(List<LayerEmbedding> published, String model,
      ModelOptions options, Dataset images, List<Double> noise, List<Conditioning> conditionings) throws Exception {
    Map<String, float[]> expected = new HashMap<>();
    List<ImageInput> inputs = new ArrayList<>();
    for (DatasetItem item : images.items()) {
      inputs.add(new ImageInput(item.itemId(), item.concept(), ImageIO.read(new ByteArrayInputStream(item.imageBytes())),
          noise, List.of(), conditionings, IMAGE_SETTINGS.seed(), IMAGE_SETTINGS.resolution(), IMAGE_SETTINGS.latent()));
    }
    try (FeatureModel direct = FeatureModels.open(model, null, options)) {
      for (Feature f : direct.extract(inputs)) {
        expected.put(inputs.get(f.imageIndex()).itemId() + "/" + f.layer() + "/" + f.noiseLevel() + "/"
            + f.conditioning(), f.vector());
      }
    }
    Map<String, float[]> actual = new HashMap<>();
    for (LayerEmbedding e : published) {
      float[] vector = new float[e.getVector().size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = e.getVector().get(i);
      }
      String key = e.getItemId() + "/" + e.getSetting().getLayer() + "/" + e.getSetting().getNoiseLevel() + "/"
          + e.getSetting().getConditioning();
      assertThat(actual.put(key, vector)).as("duplicate embedding %s", key).isNull();
    }
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    // The batching differs (UNet batches across images), so allow float32 rounding.
    expected.forEach((key, vector) -> {
      float[] got = actual.get(key);
      for (int i = 0; i < vector.length; i++) {
        assertThat(got[i]).as("%s [%d]", key, i).isCloseTo(vector[i], org.assertj.core.data.Offset.offset(1e-4f));
      }
    });
  }
}
