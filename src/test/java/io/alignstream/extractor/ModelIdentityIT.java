package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ClusterConfig;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What makes a result reproducible travels with it: an extractor serving the shared single-file
 * checkpoint publishes a ModelCard, and embeddings, that carry the file's SHA-256 (the one its
 * sidecar states) and the compute dtype beside the config and weight digests (real broker).
 */
class ModelIdentityIT {

  private static final Path FIXTURES = Path.of("..", "shared", "fixtures");
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
  void theCardAndEveryEmbeddingNameTheCheckpointFilesSha256AndDtype() throws Exception {
    Path ldm = FIXTURES.resolve("tiny-sd2-ldm.safetensors");
    assumeTrue(Files.isRegularFile(ldm), "skipped: shared fixtures not found at " + FIXTURES.toAbsolutePath());
    String sha256 = new ObjectMapper().readTree(FIXTURES.resolve("tiny-sd2-ldm.json").toFile()).get("sha256").asText();

    ClusterConfig cluster = ExtractorTopics.freshCluster("identity", 1);
    byte[] png = Files.readAllBytes(FIXTURES.resolve("input_image_0.png"));
    ExtractorTopics.send(cluster, List.of(ExtractorTopics.request("cat", png, List.of(0.5))
        .setConditionings(List.of(Conditioning.NONE)).setSeed(1).setResolution(64).setLatent(LatentMode.MEAN).build()));

    // the tiny-sd2 folder as --pipeline-config: its configs and tokenizer are read, its weights are not
    ModelOptions options = ModelOptions.defaults().withTaps("Mid").withCheckpoints(
        CheckpointOptions.defaults().withPipelineConfig(FIXTURES.resolve("tiny-sd2")));
    try (FeatureModel model = FeatureModels.open(ldm.toString(), null, options);
        ExtractorService service = new ExtractorService(cluster, model,
            new ExtractorOptions("identity-a", 4, Duration.ofMillis(100), Duration.ofMinutes(2)))) {
      service.start();
      List<LayerEmbedding> embeddings =
          ExtractorTopics.consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 1, Duration.ofSeconds(90));
      List<ModelCard> cards =
          ExtractorTopics.consume(cluster, cluster.topics().models(), ModelCard.class, 1, Duration.ofSeconds(30));

      ModelCard card = cards.get(0);
      assertThat(card.getModelId()).isEqualTo("tiny-sd2-ldm");
      assertThat(card.getOrigin()).isEqualTo("file");
      assertThat(card.getSource()).isEqualTo(ldm.toAbsolutePath().normalize().toString());
      assertThat(card.getFileSha256()).isEqualTo(sha256);
      assertThat(card.getWeightFiles()).isEqualTo(Map.of("tiny-sd2-ldm.safetensors", "sha256:" + sha256));
      assertThat(card.getHubRepo()).isNull();
      assertThat(card.getDtype()).isEqualTo("float32");

      LayerEmbedding e = embeddings.get(0);
      assertThat(e.getSetting().getModelId()).isEqualTo("tiny-sd2-ldm");
      assertThat(e.getFileSha256()).isEqualTo(sha256);
      assertThat(e.getDtype()).isEqualTo("float32");
      assertThat(e.getHubRepo()).isNull();
      assertThat(e.getHubCommit()).isNull();
      assertThat(e.getWeightsDigest()).isEqualTo(card.getWeightsDigest()).hasSize(64);
      assertThat(e.getConfigDigest()).isEqualTo(card.getConfigDigest()).hasSize(64);
    }
  }
}
