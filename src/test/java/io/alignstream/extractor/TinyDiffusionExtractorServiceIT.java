package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in tiny Stable Diffusion model behind the real extract loop on the embedded broker:
 * every request yields one embedding per (paper layer, noise level, conditioning), carrying what
 * is needed to reproduce it, and a request the model cannot run is dead-lettered.
 */
class TinyDiffusionExtractorServiceIT {

  private static final List<String> PAPER_LAYERS =
      List.of("Down0", "Down1", "Down2", "Down3", "Mid", "Up0", "Up1", "Up2", "Up3");

  @TempDir
  static Path cache;
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
  void publishesPaperLayersForEveryNoiseLevelAndConditioning() throws Exception {
    ClusterConfig cluster = ExtractorTopics.freshCluster("tiny", 2);
    ExtractorTopics.send(cluster, List.of(
        request("camera1", png(0x336699, 80, 64), List.of(0.1, 0.5), 64),
        request("banana", png(0xeecc22, 64, 64), List.of(0.1, 0.5), 64),
        request("badsize", png(0x000000, 64, 64), List.of(0.1), 40)));

    ModelOptions options = ModelOptions.defaults().withModelCache(cache).withUnetBatch(8);
    try (FeatureModel model = FeatureModels.open("tiny", null, options);
        ExtractorService service = new ExtractorService(cluster, model,
            new ExtractorOptions("tiny-a", 8, Duration.ofMillis(100), Duration.ofMinutes(2)))) {
      service.start();
      List<LayerEmbedding> embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 72);
      List<DeadLetter> letters = consume(cluster, cluster.topics().deadletter(), DeadLetter.class, 1);
      List<ModelCard> cards = consume(cluster, cluster.topics().models(), ModelCard.class, 1);

      // 2 images x 9 layers x 2 noise levels x {NONE, TEXT}
      assertThat(embeddings).hasSize(72);
      Set<String> keys = new HashSet<>();
      for (LayerEmbedding e : embeddings) {
        keys.add(e.getItemId() + "/" + SettingKey.of(e.getSetting()));
        assertThat(e.getSetting().getModelId()).isEqualTo("tiny");
        assertThat(e.getPooling()).isEqualTo("mean");
        assertThat(e.getLatent()).isEqualTo(LatentMode.SAMPLE);
        assertThat(e.getResolution()).isEqualTo(64);
        assertThat(e.getSeed()).isEqualTo(11);
        assertThat(e.getVector()).allSatisfy(v -> assertThat(Float.isFinite(v)).isTrue());
        int width = e.getSetting().getLayer().matches("Down[01]|Up[23]") ? 32 : 64;
        assertThat(e.getDim()).as(e.getSetting().getLayer()).isEqualTo(width);
        assertThat(e.getSetting().getTimestep()).isEqualTo(e.getSetting().getNoiseLevel() == 0.1 ? 91 : 491);
        String prompt = e.getSetting().getConditioning() == Conditioning.TEXT
            ? (e.getItemId().equals("camera1") ? "a photo of a camera" : "a photo of a banana") : "";
        assertThat(e.getPrompt()).isEqualTo(prompt);
      }
      for (String item : List.of("camera1", "banana")) {
        for (String layer : PAPER_LAYERS) {
          for (String noise : List.of("0.1", "0.5")) {
            for (String c : List.of("NONE", "TEXT")) {
              assertThat(keys).contains(item + "/tiny|" + layer + "|" + noise + "|" + c);
            }
          }
        }
      }
      assertThat(letters).singleElement().satisfies(l -> {
        assertThat(l.getStage()).isEqualTo("extract");
        assertThat(l.getReason()).contains("resolution 40");
      });
      ModelCard card = cards.get(0);
      assertThat(card.getKind()).isEqualTo("diffusion");
      assertThat(card.getSource()).isEqualTo("builtin:tiny?seed=0");
      assertThat(card.getLayers()).extracting(l -> l.getName()).containsExactlyElementsOf(PAPER_LAYERS);
      assertThat(card.getConfigDigest()).isEqualTo(embeddings.get(0).getConfigDigest()).hasSize(64);
      assertThat(card.getWeightsDigest()).isEqualTo(embeddings.get(0).getWeightsDigest()).hasSize(64);
      assertThat(card.getProperties()).containsKeys("scheduler", "taps", "unet_batch", "noise");
    }
  }

  private static ExtractionRequest request(String item, byte[] image, List<Double> noise, int resolution) {
    return ExtractorTopics.request(item, image, noise)
        .setConditionings(List.of(Conditioning.NONE, Conditioning.TEXT)).setSeed(11).setResolution(resolution)
        .setLatent(LatentMode.SAMPLE)
        .build();
  }

  private static byte[] png(int rgb, int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (x / 8 + y / 8) % 2 == 0 ? rgb : ~rgb & 0xffffff);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static <T extends SpecificRecord> List<T> consume(ClusterConfig cluster, String topic, Class<T> type,
      int expected) {
    return ExtractorTopics.consume(cluster, topic, type, expected, Duration.ofSeconds(90));
  }
}
