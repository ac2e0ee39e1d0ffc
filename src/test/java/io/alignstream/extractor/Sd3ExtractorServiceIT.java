package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in {@code tiny-sd3} behind the real extract loop on the shared broker, opened as
 * {@code extract --model tiny-sd3} opens it ({@link FeatureModels#open}): every request yields one
 * token-mean embedding per transformer block (Block0..Block2), noise level and conditioning, with
 * the SD3 model's identity; each vector equals what {@code features} computes for the same image,
 * seed, noise level and prompt (an independent path through the SD3 port, itself checked against
 * diffusers in Sd3FeaturesCommandTest); an undecodable image is dead-lettered with its bytes; and a
 * restarted instance resumes after the committed offsets, publishing nothing twice.
 */
class Sd3ExtractorServiceIT {

  private static final List<String> BLOCKS = List.of("Block0", "Block1", "Block2");
  private static final List<Double> NOISE = List.of(0.1, 0.5);
  private static final long SEED = 11;
  private static final Map<String, String> CONCEPTS = Map.of("camera1", "a photo of a camera", "banana",
      "a photo of a banana");

  @TempDir
  static Path dir;
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
  void publishesEveryBlockAsFeaturesComputesItOnceAcrossARestart() throws Exception {
    Path images = Path.of(getClass().getResource("/sd3/images").toURI());
    Map<String, Path> files = Map.of("camera1", images.resolve("input_image_0.png"), "banana",
        images.resolve("input_image_1.png"));
    ClusterConfig cluster = ExtractorTopics.freshCluster("tiny-sd3", 2);
    ExtractorTopics.send(cluster, List.of(
        request("camera1", Files.readAllBytes(files.get("camera1"))),
        request("banana", Files.readAllBytes(files.get("banana"))),
        request("corrupt", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0})));

    ModelOptions options = ModelOptions.defaults().withModelCache(dir.resolve("models")).withUnetBatch(8);
    int perImage = BLOCKS.size() * NOISE.size() * 2;
    List<LayerEmbedding> embeddings;
    try (FeatureModel model = FeatureModels.open("tiny-sd3", null, options);
        ExtractorService service = new ExtractorService(cluster, model, options("sd3-a"))) {
      service.start();
      embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 2 * perImage);
      List<DeadLetter> letters = consume(cluster, cluster.topics().deadletter(), DeadLetter.class, 1);
      ModelCard card = consume(cluster, cluster.topics().models(), ModelCard.class, 1).get(0);

      assertThat(embeddings).hasSize(2 * perImage);
      assertThat(embeddings.stream().map(e -> e.getItemId() + "/" + SettingKey.of(e.getSetting())).distinct())
          .hasSize(2 * perImage);
      assertThat(letters).singleElement().satisfies(l -> {
        assertThat(l.getStage()).isEqualTo("decode-image");
        assertThat(l.getOriginalValue()).isNotNull();
      });
      assertThat(card.getModelId()).isEqualTo("tiny-sd3");
      assertThat(card.getKind()).isEqualTo("diffusion");
      assertThat(card.getSource()).isEqualTo("builtin:tiny-sd3?seed=0");
      assertThat(card.getLayers()).extracting(l -> l.getName()).containsExactlyElementsOf(BLOCKS);
      assertThat(card.getProperties()).containsEntry("t5", "T5 states of up to 256 tokens");
      assertThat(service.imagesExtracted()).isEqualTo(2);
      for (LayerEmbedding e : embeddings) {
        assertThat(e.getSetting().getModelId()).isEqualTo("tiny-sd3");
        assertThat(e.getConfigDigest()).isEqualTo(card.getConfigDigest());
        assertThat(e.getWeightsDigest()).isEqualTo(card.getWeightsDigest());
        assertThat(e.getPooling()).isEqualTo("mean over tokens");
        assertThat(e.getDim()).isEqualTo(32);
        assertThat(e.getSeed()).isEqualTo(SEED);
        // sigma of s = 0.1 and 0.5 (start indices 90 and 50 of the shift-3 schedule), t = 1000 sigma rounded
        assertThat(e.getSetting().getTimestep()).isEqualTo(e.getSetting().getNoiseLevel() == 0.1 ? 237 : 747);
        assertThat(e.getPrompt()).isEqualTo(e.getSetting().getConditioning() == Conditioning.TEXT
            ? CONCEPTS.get(e.getItemId()) : "");
      }

      // the same protocol through `features`: per noise level, both images under "" and each TEXT prompt
      for (double s : NOISE) {
        Path out = dir.resolve("features-" + s + ".safetensors");
        CommandRun run = CommandRun.run("features", "--model", "tiny-sd3", "--model-cache",
            dir.resolve("models").toString(), "--image", files.get("camera1").toString(), "--image",
            files.get("banana").toString(), "--noise-level", String.valueOf(s), "--seed", String.valueOf(SEED),
            "--resolution", "64", "--pool", "mean", "--prompt", "", "--prompt", CONCEPTS.get("camera1"), "--prompt",
            CONCEPTS.get("banana"), "--out", out.toString());
        assertThat(run.code()).as(run.err()).isZero();
        try (SafetensorsFile features = SafetensorsFile.open(out)) {
          assertThat(features.metadata()).containsEntry("config_digest", card.getConfigDigest())
              .containsEntry("weights_digest", card.getWeightsDigest());
          List<String> items = List.of("camera1", "banana");
          for (int b = 0; b < BLOCKS.size(); b++) {
            float[] expected = features.floats("transformer.transformer_blocks." + b + ".mean"); // [2, 3, 32]
            for (int i = 0; i < items.size(); i++) {
              for (Conditioning c : List.of(Conditioning.NONE, Conditioning.TEXT)) {
                int prompt = c == Conditioning.NONE ? 0 : 1 + i;
                String key = items.get(i) + "/tiny-sd3|" + BLOCKS.get(b) + "|" + s + "|" + c;
                List<Float> streamed = embeddings.stream().filter(e -> key.equals(e.getItemId() + "/"
                    + SettingKey.of(e.getSetting()))).findFirst().orElseThrow(() -> new AssertionError(key))
                    .getVector();
                float err = maxAbsDiff(streamed, Arrays.copyOfRange(expected, (i * 3 + prompt) * 32,
                    (i * 3 + prompt + 1) * 32));
                assertThat(err).as(key).isLessThanOrEqualTo(1e-5f);
              }
            }
          }
        }
      }
    }

    // A restarted instance resumes after the committed offsets: only the new request is extracted.
    ExtractorTopics.send(cluster, List.of(request("late", Files.readAllBytes(files.get("camera1")))));
    try (FeatureModel model = FeatureModels.open("tiny-sd3", null, options);
        ExtractorService restarted = new ExtractorService(cluster, model, options("sd3-a"))) {
      restarted.start();
      List<LayerEmbedding> all = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 3 * perImage);
      assertThat(all).hasSize(3 * perImage);
      assertThat(all.stream().filter(e -> e.getItemId().equals("late"))).hasSize(perImage);
      assertThat(restarted.imagesExtracted()).isEqualTo(1);
      // the same image, seed and settings as camera1: the same vectors after the restart (up to the float
      // rounding of another batch composition)
      Map<String, float[]> camera = new HashMap<>();
      embeddings.stream().filter(e -> e.getItemId().equals("camera1"))
          .forEach(e -> camera.put(SettingKey.of(e.getSetting()), floats(e.getVector())));
      all.stream().filter(e -> e.getItemId().equals("late")).forEach(e -> assertThat(maxAbsDiff(e.getVector(),
          camera.get(SettingKey.of(e.getSetting())))).as(SettingKey.of(e.getSetting())).isLessThanOrEqualTo(1e-5f));
    }
  }

  private static ExtractionRequest request(String item, byte[] image) {
    return ExtractorTopics.request(item, image, NOISE)
        .setConditionings(List.of(Conditioning.NONE, Conditioning.TEXT)).setSeed(SEED).setResolution(64)
        .setLatent(LatentMode.SAMPLE).setConcept(item.equals("late") ? "camera1" : item)
        .build();
  }

  private static ExtractorOptions options(String instance) {
    return new ExtractorOptions(instance, 8, Duration.ofMillis(100), Duration.ofMinutes(2));
  }

  private static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private static float maxAbsDiff(List<Float> actual, float[] expected) {
    assertThat(actual).hasSize(expected.length);
    float max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(actual.get(i) - expected[i]));
    }
    return max;
  }

  private static <T extends SpecificRecord> List<T> consume(ClusterConfig cluster, String topic, Class<T> type,
      int expected) {
    return ExtractorTopics.consume(cluster, topic, type, expected, Duration.ofSeconds(90));
  }
}
