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
import io.alignstream.extractor.vision.VisionFixtures;
import io.alignstream.extractor.vision.VisionModelCopies;
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
import io.alignstream.schema.ModelProgress;
import io.alignstream.schema.ModelRequest;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vision models requested from a fleet of two {@code extract --fleet} instances (shared broker and
 * registry): three unusable requests (a layer the model lacks, a truncated file, an ONNX model
 * whose external data file is missing) are dead-lettered once each for the whole fleet, which goes
 * on to evaluate the ViT as ONNX with each layer kind's default pooling and as TorchScript with the
 * pooling the request names, every image exactly once, each vector equal to the model run directly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class VisionFleetIT {

  private static final int IMAGES = 6;
  private static final ExtractionSettings IMAGE_SETTINGS =
      new ExtractionSettings(List.of(0.2), List.of(), List.of(Conditioning.NONE), 3, 64, LatentMode.SAMPLE);

  @TempDir
  static Path tmp;
  private static int threads;

  @BeforeAll
  static void start() {
    threads = EngineThreads.set(1);
  }

  @AfterAll
  static void stop() {
    EngineThreads.set(threads);
  }

  @Test
  void badVisionRequestsAreDeadLetteredOnceAndTheFleetEvaluatesTheGoodOnes() throws Exception {
    Path vit = VisionFixtures.model("vit");
    // Each broken model beside its preprocessor_config.json, as a user's export folder holds it.
    Path truncated = VisionModelCopies.truncated(vit.resolve("layers.onnx"), 0.5,
        Files.createDirectories(tmp.resolve("truncated")).resolve("layers.onnx"));
    Files.copy(vit.resolve("preprocessor_config.json"), truncated.resolveSibling("preprocessor_config.json"));
    Path resnet = VisionFixtures.model("resnet");
    Path external = VisionModelCopies.withExternalData(resnet.resolve("model.onnx"), tmp.resolve("external"));
    Files.copy(resnet.resolve("preprocessor_config.json"), external.resolveSibling("preprocessor_config.json"));
    Files.delete(external.resolveSibling("weights.bin"));

    ClusterConfig cluster = ClusterConfig.of(SharedTestBroker.bootstrapServers(), SharedTestBroker.registryUrl())
        .withTopics(new Topics("vfleet" + UUID.randomUUID().toString().substring(0, 8) + "."));
    PipelineTopics.ensure(cluster, 2, (short) 1);
    Dataset images = SyntheticDataset.generate(SyntheticSpec.defaults()).dataset().limitItems(IMAGES);
    try (RequestPublisher requests = new RequestPublisher(cluster)) {
      assertThat(requests.publish(images, IMAGE_SETTINGS).published()).isEqualTo(IMAGES);
    }
    ModelOptions modelOptions = ModelOptions.defaults().withUnetBatch(4);
    try (FleetService a = FleetInstances.instance(cluster, "a", modelOptions);
        FleetService b = FleetInstances.instance(cluster, "b", modelOptions);
        ModelRequestPublisher publisher = new ModelRequestPublisher(cluster)) {
      a.start();
      b.start();

      Map<String, String> bad = new HashMap<>(); // evaluation key -> what its one dead letter says
      bad.put(publisher.publish(request(vit.toString(), "vit", "encoder.lnx", "default")),
          "the model has no layer 'encoder.lnx'; closest: encoder.ln");
      bad.put(publisher.publish(request(truncated.toString(), null, "default", "default")), "is not an ONNX model");
      bad.put(publisher.publish(request(external.toString(), null, "default", "default")),
          "in the external data file weights.bin, which is missing");
      // The same ViT twice: as ONNX with the default pooling (tokens cls), as TorchScript with the pooling named.
      String onnx = publisher.publish(request(vit.toString(), null, "default", "default"));
      String torchScript = publisher.publish(request(vit.resolve("layers.pt").toString(), "vit-ts", "encoder.ln",
          "mean"));
      FleetInstances.awaitHandled(List.of(a, b), 5);

      List<DeadLetter> letters = TopicContents.readAll(cluster, cluster.topics().deadletter(), DeadLetter.class)
          .stream().map(ConsumerRecord::value).toList();
      assertThat(letters).hasSize(3);
      for (DeadLetter letter : letters) {
        String key = new String(letter.getOriginalKey().array());
        assertThat(bad).containsKey(key);
        assertThat(FleetInstances.outcomes(a, b, key)).containsExactly(Outcome.DEAD_LETTERED, Outcome.DEAD_LETTERED);
        assertThat(letter.getService()).isEqualTo("fleet");
        assertThat(letter.getStage()).isEqualTo("load-model");
        assertThat(letter.getReason()).contains(bad.get(key));
      }

      // An instance that comes to a request after the other has extracted every image finds it done.
      for (String evaluation : List.of(onnx, torchScript)) {
        assertThat(FleetInstances.outcomes(a, b, evaluation)).hasSize(2).contains(Outcome.EVALUATED)
            .allMatch(o -> o == Outcome.EVALUATED || o == Outcome.ALREADY_EVALUATED);
      }
      assertThat(a.imagesProcessed("vit") + b.imagesProcessed("vit")).isEqualTo(IMAGES);
      assertThat(a.imagesProcessed("vit-ts") + b.imagesProcessed("vit-ts")).isEqualTo(IMAGES);
      List<LayerEmbedding> embeddings = TopicContents.readAll(cluster, cluster.topics().embeddings(),
          LayerEmbedding.class).stream().map(ConsumerRecord::value).toList();
      Map<String, List<LayerEmbedding>> byModel = embeddings.stream()
          .collect(Collectors.groupingBy(e -> e.getSetting().getModelId()));
      assertThat(byModel.keySet()).containsExactlyInAnyOrder("vit", "vit-ts");
      assertThat(byModel.get("vit").stream().map(e -> SettingKey.of(e.getSetting())).distinct().sorted())
          .containsExactly("vit|encoder.layers.encoder_layer_0|cls", "vit|encoder.layers.encoder_layer_1|cls",
              "vit|encoder.ln|cls", "vit|heads|none");
      assertThat(byModel.get("vit-ts").stream().map(e -> SettingKey.of(e.getSetting())).distinct())
          .containsExactly("vit-ts|encoder.ln|mean");
      assertEqualToTheModelRunDirectly(byModel.get("vit"), vit.toString(),
          modelOptions, images);
      assertEqualToTheModelRunDirectly(byModel.get("vit-ts"), vit.resolve("layers.pt").toString(),
          modelOptions.withTaps("encoder.ln").withPooling("mean"), images);

      Map<String, ModelProgress> progress = new HashMap<>();
      TopicContents.readAll(cluster, cluster.topics().modelProgress(), ModelProgress.class)
          .forEach(r -> progress.put(r.key(), r.value()));
      assertThat(progress.keySet()).containsExactlyInAnyOrder(onnx, torchScript);
      assertThat(progress.values()).allSatisfy(p -> {
        assertThat(p.getState()).isEqualTo(EvaluationState.DONE);
        assertThat(p.getConsumedOffsets()).isEqualTo(p.getEndOffsets()).isEqualTo(IMAGES);
      });
      assertThat(a.failure()).isEmpty();
      assertThat(b.failure()).isEmpty();
    }
  }

  /** A request as {@code produce model} writes it without noise levels or conditionings (a vision model has none). */
  private static ModelRequest request(String model, String modelId, String layers, String pooling) {
    return ModelRequests.create(model, modelId, layers, pooling, List.of(), List.of(), "float32", "test",
        Instant.now());
  }

  /** Exactly one embedding per (image, setting), equal to the model's own output on the decoded image. */
  private static void assertEqualToTheModelRunDirectly(List<LayerEmbedding> published, String model,
      ModelOptions options, Dataset images) throws Exception {
    List<ImageInput> inputs = new ArrayList<>();
    for (DatasetItem item : images.items()) {
      inputs.add(new ImageInput(item.itemId(), item.concept(), ImageIO.read(new ByteArrayInputStream(item.imageBytes())),
          IMAGE_SETTINGS.noiseLevels(), List.of(), IMAGE_SETTINGS.conditionings(), IMAGE_SETTINGS.seed(),
          IMAGE_SETTINGS.resolution(), IMAGE_SETTINGS.latent()));
    }
    Map<String, float[]> expected = new HashMap<>();
    try (FeatureModel direct = FeatureModels.open(model, null, options)) {
      for (Feature f : direct.extract(inputs)) {
        expected.put(inputs.get(f.imageIndex()).itemId() + "/" + f.layer() + "/" + f.pooling(), f.vector());
      }
    }
    Map<String, float[]> actual = new HashMap<>();
    for (LayerEmbedding e : published) {
      float[] vector = new float[e.getVector().size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = e.getVector().get(i);
      }
      String key = e.getItemId() + "/" + e.getSetting().getLayer() + "/" + e.getSetting().getPooling();
      assertThat(actual.put(key, vector)).as("duplicate embedding %s", key).isNull();
    }
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    // Batches differ (the fleet's split of the images, the batch size), so allow float32 rounding.
    expected.forEach((key, vector) -> {
      float[] got = actual.get(key);
      for (int i = 0; i < vector.length; i++) {
        assertThat(got[i]).as("%s [%d]", key, i).isCloseTo(vector[i], Offset.offset(1e-4f));
      }
    });
  }
}
