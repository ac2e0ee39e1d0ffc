package io.alignstream.extractor;

import static io.alignstream.common.ManagementEndpoint.sum;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.bench.HostileInputs;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ManagementEndpoint;
import io.alignstream.common.ManagementServer;
import io.alignstream.common.SettingKey;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.vision.VisionFixtures;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Vision models (the shared ViT as ONNX, the shared ResNet as TorchScript) behind the real extract
 * loop on the shared broker: pooled settings (model, layer, pooling) with no noise or text, each
 * vector as PyTorch computed it for the same image (the fixtures' reference tensors, pooled here),
 * the model file's identity on the card and every record, exactly once across a restart, bad images
 * dead-lettered as for diffusion models, and the Prometheus metrics and progress line per model.
 */
class VisionExtractorServiceIT {

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
  void onnxVitPublishesPooledSettingsWithTheFilesIdentityOnceAcrossARestart() throws Exception {
    Path file = VisionFixtures.model("vit").resolve("layers.onnx");
    ClusterConfig cluster = ExtractorTopics.freshCluster("vision-onnx", 2);
    List<String> images = images();
    ExtractorTopics.send(cluster, requests(images.subList(0, 3)));
    ExtractorTopics.send(cluster, List.of(request("cut", HostileInputs.truncated(HostileInputs.solid(64, 0x8040c0,
        "png"), 0.5)), request("page", HostileInputs.htmlPage())));

    // 4 layers (three token outputs at their default, cls; heads, a vector, as it is) x 3 images
    List<String> settings = List.of("vit|encoder.layers.encoder_layer_0|cls", "vit|encoder.layers.encoder_layer_1|cls",
        "vit|encoder.ln|cls", "vit|heads|none");
    try (FeatureModel model = FeatureModels.open(file.toString(), null, ModelOptions.defaults().withUnetBatch(2));
        ExtractorService service = new ExtractorService(cluster, model, options("vit-a"))) {
      service.start();
      List<LayerEmbedding> embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 12);
      List<DeadLetter> letters = consume(cluster, cluster.topics().deadletter(), DeadLetter.class, 2);
      ModelCard card = consume(cluster, cluster.topics().models(), ModelCard.class, 1).get(0);

      assertThat(embeddings).hasSize(12);
      assertThat(embeddings.stream().map(e -> e.getItemId() + "/" + SettingKey.of(e.getSetting())).distinct())
          .hasSize(12);
      assertThat(embeddings.stream().map(e -> SettingKey.of(e.getSetting())).collect(Collectors.toSet()))
          .isEqualTo(Set.copyOf(settings));
      String sha256 = sha256(file);
      for (LayerEmbedding e : embeddings) {
        assertThat(e.getSetting().getNoiseLevel()).isNull();
        assertThat(e.getSetting().getTimestep()).isNull();
        assertThat(e.getSetting().getConditioning()).isNull();
        assertThat(e.getPooling()).isEqualTo(e.getSetting().getPooling());
        assertThat(e.getFileSha256()).isEqualTo(sha256);
        assertThat(e.getModelFormat()).isEqualTo("onnx");
        assertThat(e.getOnnxOpset()).isEqualTo(17);
        assertThat(e.getOnnxProducer()).isEqualTo("pytorch 1.13.0");
        assertThat(e.getWeightsDigest()).isEqualTo(card.getWeightsDigest());
      }
      assertMatchesTheReference("vit", images, embeddings);
      assertThat(letters).extracting(DeadLetter::getStage).containsOnly("decode-image");
      assertThat(letters).extracting(l -> new String(bytes(l.getOriginalKey()))).containsExactlyInAnyOrder("cut@test", "page@test");
      assertThat(letters).allSatisfy(l -> assertThat(l.getOriginalValue()).isNotNull());

      assertThat(card.getKind()).isEqualTo("vision");
      assertThat(card.getModelId()).isEqualTo("vit");
      assertThat(card.getFileSha256()).isEqualTo(sha256);
      assertThat(card.getWeightsDigest()).isEqualTo("sha256:" + sha256);
      assertThat(card.getModelFormat()).isEqualTo("onnx");
      assertThat(card.getOnnxOpset()).isEqualTo(17);
      assertThat(card.getLayers()).extracting(l -> l.getName() + "|" + l.getPooling() + "|" + l.getDim())
          .containsExactly("encoder.layers.encoder_layer_0|cls|64", "encoder.layers.encoder_layer_1|cls|64",
              "encoder.ln|cls|64", "heads|none|16");
    }

    // The same model restarted resumes after its committed offsets: only the new image is computed.
    ExtractorTopics.send(cluster, requests(images.subList(3, 4)));
    try (FeatureModel model = FeatureModels.open(file.toString(), null, ModelOptions.defaults());
        ExtractorService restarted = new ExtractorService(cluster, model, options("vit-a"))) {
      restarted.start();
      List<LayerEmbedding> all = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 16);
      assertThat(all).hasSize(16);
      assertThat(all.stream().map(e -> e.getItemId() + "/" + SettingKey.of(e.getSetting())).distinct()).hasSize(16);
      assertThat(restarted.imagesExtracted()).isEqualTo(1);
      assertMatchesTheReference("vit", images, all);
    }
  }

  @Test
  void torchScriptResnetPublishesItsLayersAndReportsMetricsAndProgressPerModel() throws Exception {
    Path file = VisionFixtures.model("resnet").resolve("layers.pt");
    ClusterConfig cluster = ExtractorTopics.freshCluster("vision-torchscript", 2);
    List<String> images = images();
    ExtractorTopics.send(cluster, requests(images));
    ExtractorTopics.send(cluster, List.of(request("corrupt", new byte[] {1, 2, 3})));

    try (FeatureModel model = FeatureModels.open(file.toString(), null, ModelOptions.defaults().withUnetBatch(3));
        ExtractorService service = new ExtractorService(cluster, model, options("resnet-a"));
        ManagementServer server = ManagementServer.start("127.0.0.1", 0, "extractor", "resnet-a",
            () -> ExtractCommand.status(service))) {
      service.start();
      // layer1..layer4 and avgpool (maps, mean) and fc (a vector, as it is) x 4 images
      List<LayerEmbedding> embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 24);
      List<DeadLetter> letters = consume(cluster, cluster.topics().deadletter(), DeadLetter.class, 1);
      ModelCard card = consume(cluster, cluster.topics().models(), ModelCard.class, 1).get(0);

      assertThat(embeddings).hasSize(24);
      assertThat(embeddings.stream().map(e -> SettingKey.of(e.getSetting())).collect(Collectors.toSet()))
          .containsExactlyInAnyOrder("resnet|layer1|mean", "resnet|layer2|mean", "resnet|layer3|mean",
              "resnet|layer4|mean", "resnet|avgpool|mean", "resnet|fc|none");
      assertMatchesTheReference("resnet", images, embeddings);
      String sha256 = sha256(file);
      assertThat(embeddings).allSatisfy(e -> {
        assertThat(e.getFileSha256()).isEqualTo(sha256);
        assertThat(e.getModelFormat()).isEqualTo("torchscript");
        assertThat(e.getOnnxOpset()).isNull();
        assertThat(e.getOnnxProducer()).isNull();
      });
      assertThat(card.getModelFormat()).isEqualTo("torchscript");
      assertThat(card.getFileSha256()).isEqualTo(sha256);
      assertThat(letters).singleElement().satisfies(l -> {
        assertThat(l.getStage()).isEqualTo("decode-image");
        assertThat(l.getOriginalValue()).isNotNull();
      });

      while (service.imagesExtracted() + service.deadLetters() < 5) {
        Thread.sleep(100);
      }
      String scrape = new ManagementEndpoint(server.port()).scrape();
      Map<String, String> mine = Map.of("model", "resnet", "instance", "resnet-a");
      assertThat(sum(scrape, "alignstream_extractor_images_total", mine)).as(scrape).isEqualTo(4);
      assertThat(sum(scrape, "alignstream_extractor_batch_size_images_sum", mine)).isEqualTo(5);
      assertThat(sum(scrape, "alignstream_extractor_batch_seconds_sum", mine)).isPositive();
      assertThat(sum(scrape, "alignstream_extractor_queue_depth", mine)).isZero();
      assertThat(sum(scrape, "kafka_producer_record_send_total", mine)).isGreaterThanOrEqualTo(24 + 1);
      assertThat(ProgressLine.line(service, 4, 4, Duration.ofSeconds(10)))
          .isEqualTo("extractor resnet-a [resnet]: 4 images (+4, 0.4/s), 1 dead letters, 0 requests waiting");
    }
  }

  /**
   * Every embedding against the fixture's reference output for its image (PyTorch, from PIL's
   * preprocessing), pooled here as the setting says: the preprocessing differs by at most one grey
   * level from PIL's, so vectors agree to a cosine of 0.999, not bit for bit.
   */
  private static void assertMatchesTheReference(String model, List<String> images, List<LayerEmbedding> embeddings) {
    try (SafetensorsFile reference = SafetensorsFile.open(VisionFixtures.model(model).resolve("reference.safetensors"))) {
      for (LayerEmbedding e : embeddings) {
        String layer = e.getSetting().getLayer();
        long[] shape = reference.info("layer." + layer).dims();
        float[] expected = pooled(reference.floats("layer." + layer), shape, images.indexOf(e.getItemId() + ".png"),
            e.getPooling());
        float[] actual = new float[e.getVector().size()];
        for (int i = 0; i < actual.length; i++) {
          actual[i] = e.getVector().get(i);
        }
        assertThat(actual).hasSize(expected.length);
        assertThat(VisionFixtures.cosine(actual, expected)).as("%s %s", e.getItemId(), SettingKey.of(e.getSetting()))
            .isGreaterThanOrEqualTo(0.999);
      }
    }
  }

  /** Image n of a reference [N, ...] tensor: token 0 for cls, the spatial mean for mean, as it is for none. */
  private static float[] pooled(float[] values, long[] shape, int n, String pooling) {
    int per = values.length / (int) shape[0];
    int offset = n * per;
    return switch (pooling) {
      case "none" -> java.util.Arrays.copyOfRange(values, offset, offset + per);
      case "cls" -> java.util.Arrays.copyOfRange(values, offset, offset + (int) shape[2]);
      case "mean" -> {
        int channels = (int) shape[1];
        int positions = per / channels;
        float[] mean = new float[channels];
        for (int c = 0; c < channels; c++) {
          double sum = 0;
          for (int i = 0; i < positions; i++) {
            sum += values[offset + c * positions + i];
          }
          mean[c] = (float) (sum / positions);
        }
        yield mean;
      }
      default -> throw new IllegalArgumentException(pooling);
    };
  }

  /** The fixture images in the reference's order (sorted by name). */
  private static List<String> images() throws Exception {
    try (var files = Files.list(VisionFixtures.dir().resolve("images"))) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<ExtractionRequest> requests(List<String> images) throws Exception {
    List<ExtractionRequest> requests = new ArrayList<>();
    for (String image : images) {
      requests.add(request(image.replace(".png", ""), Files.readAllBytes(VisionFixtures.dir().resolve("images")
          .resolve(image))));
    }
    return requests;
  }

  private static ExtractionRequest request(String item, byte[] image) {
    return ExtractorTopics.request(item, image, List.of(0.0)).setConditionings(List.of(Conditioning.NONE)).setSeed(0)
        .setResolution(64).setLatent(LatentMode.MEAN).build();
  }

  private static ExtractorOptions options(String instance) {
    return new ExtractorOptions(instance, 4, Duration.ofMillis(100), Duration.ofMinutes(2));
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  private static <T extends SpecificRecord> List<T> consume(ClusterConfig cluster, String topic, Class<T> type,
      int expected) {
    return ExtractorTopics.consume(cluster, topic, type, expected, Duration.ofSeconds(120));
  }
}
