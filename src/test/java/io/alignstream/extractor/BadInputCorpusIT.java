package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.bench.HostileInputs;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.InputLimits;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken input on a real broker: every bad record becomes one dead letter whose
 * stage and reason name the actual problem, with the original bytes, and the extractor goes on
 * extracting the good records around them (and after them).
 */
class BadInputCorpusIT {

  @Test
  void everyBadRecordIsOneDeadLetterNamingItsProblemAndTheGoodOnesAreExtracted() {
    ClusterConfig cluster = ExtractorTopics.freshCluster("corpus", 2);
    AvroSerde<ExtractionRequest> serde = AvroSerde.configured(ExtractionRequest.class, cluster.serdeProperties(), false);
    String topic = cluster.topics().requests();
    Function<ExtractionRequest, byte[]> avro = r -> serde.serialize(topic, r);
    byte[] goodPng = HostileInputs.solid(16, 0x336699, "png");
    byte[] noisyPng = noisePng(300); // about 270 KB: over the 200,000-byte request limit below

    Map<String, byte[]> good = new LinkedHashMap<>();
    good.put("good.png", avro.apply(request("good.png", goodPng).build()));
    good.put("jpeg-named.png", avro.apply(request("jpeg-named.png", HostileInputs.solid(16, 0x993366, "jpg")).build()));
    good.put("good.gif", avro.apply(request("good.gif", HostileInputs.solid(16, 0x669933, "gif")).build()));

    // key -> value, and the stage and reason fragments its dead letter must carry
    Map<String, byte[]> bad = new LinkedHashMap<>();
    Map<String, List<String>> expected = new LinkedHashMap<>();
    bad.put("bomb.png", avro.apply(request("bomb.png", HostileInputs.pngBomb(30_000)).build()));
    expected.put("bomb.png", List.of("decode-image", "image bomb.png (PNG 30000 x 30000",
        "has 900000000 pixels, over the limit of 25000000 pixels (--max-image-pixels)"));
    bad.put("bomb.jpg", avro.apply(request("bomb.jpg", HostileInputs.jpegDeclaring(65_000, 65_000)).build()));
    expected.put("bomb.jpg", List.of("decode-image", "(JPEG 65000 x 65000", "over the limit of 25000000 pixels"));
    bad.put("cut.png", avro.apply(request("cut.png", HostileInputs.truncated(HostileInputs.solid(64, 0x8040c0, "png"),
        0.5)).build()));
    expected.put("cut.png", List.of("decode-image", "image cut.png (PNG 64 x 64", "cannot be decoded"));
    bad.put("cut.jpg", avro.apply(request("cut.jpg", HostileInputs.truncated(HostileInputs.solid(256, 0x8040c0, "jpg"),
        0.9)).build()));
    expected.put("cut.jpg", List.of("decode-image", "(JPEG 256 x 256", "is damaged: Truncated File"));
    bad.put("page.jpg", avro.apply(request("page.jpg", HostileInputs.htmlPage()).build()));
    expected.put("page.jpg", List.of("decode-image", "image page.jpg (54 bytes starting 3c21646f63747970) is in no "
        + "image format"));
    bad.put("big.png", avro.apply(request("big.png", noisyPng).build()));
    expected.put("big.png", List.of("validate-request", "request record of ",
        " bytes is over the limit of 200000 bytes (--max-request-bytes)"));
    bad.put("noisy", avro.apply(request("noisy", goodPng).setNoiseLevels(List.of(1.5)).build()));
    expected.put("noisy", List.of("validate-request", "request noisy@test: noise level 1.5 is outside [0, 1]"));
    bad.put("odd-resolution", avro.apply(request("odd-resolution", goodPng).setResolution(12).build()));
    expected.put("odd-resolution", List.of("validate-request", "resolution 12 must be a multiple of 8"));
    bad.put("no-conditioning", avro.apply(request("no-conditioning", goodPng).setConditionings(List.of()).build()));
    expected.put("no-conditioning", List.of("validate-request", "give at least one conditioning"));
    bad.put("text", "hello, not avro".getBytes(StandardCharsets.US_ASCII));
    expected.put("text", List.of("deserialize", "value is not an ExtractionRequest",
        "unknown magic byte 0x68", "expected 0x00 (Confluent wire format"));
    byte[] whole = avro.apply(request("cut-avro", goodPng).build());
    bad.put("cut-avro", Arrays.copyOf(whole, whole.length / 2));
    expected.put("cut-avro", List.of("deserialize", "the Avro body of " + (whole.length / 2 - 5)
        + " bytes ends before the record does (truncated"));
    byte[] unknownId = whole.clone();
    ByteBuffer.wrap(unknownId).putInt(1, 999_999);
    bad.put("unknown-schema", unknownId);
    expected.put("unknown-schema", List.of("deserialize", "schema id 999999", "Schema 999999 not found"));
    bad.put("tombstone", null);
    expected.put("tombstone", List.of("deserialize", "request record 'tombstone' has no value (a tombstone)"));

    send(cluster, bad);
    send(cluster, good);
    InputLimits limits = new InputLimits(InputLimits.DEFAULT_MAX_IMAGE_PIXELS, 200_000, 10_000, 1_000);
    try (ExtractorService service = new ExtractorService(cluster, new PixelBaseline("pixels", 4),
        new ExtractorOptions("corpus", 4, Duration.ofMillis(100), Duration.ofMinutes(1),
            ExtractorOptions.DEFAULT_SESSION_TIMEOUT, true, limits))) {
      service.start();
      List<DeadLetter> letters = ExtractorTopics.consume(cluster, cluster.topics().deadletter(), DeadLetter.class,
          bad.size(), Duration.ofSeconds(60));
      List<LayerEmbedding> embeddings = ExtractorTopics.consume(cluster, cluster.topics().embeddings(),
          LayerEmbedding.class, 2 * good.size(), Duration.ofSeconds(60));

      Map<String, DeadLetter> byKey = letters.stream().collect(Collectors.toMap(
          l -> new String(bytes(l.getOriginalKey()), StandardCharsets.UTF_8), l -> l));
      assertThat(byKey.keySet()).containsExactlyInAnyOrderElementsOf(bad.keySet());
      expected.forEach((key, fragments) -> {
        DeadLetter letter = byKey.get(key);
        assertThat(letter.getStage()).as(key).isEqualTo(fragments.get(0));
        for (String fragment : fragments.subList(1, fragments.size())) {
          assertThat(letter.getReason()).as(key).contains(fragment);
        }
        assertThat(letter.getService()).isEqualTo("extractor");
        byte[] original = bad.get(key);
        assertThat(letter.getOriginalValue() == null ? null : bytes(letter.getOriginalValue())).as(key)
            .isEqualTo(original);
      });
      assertThat(embeddings).extracting(LayerEmbedding::getItemId)
          .containsExactlyInAnyOrder("good.png", "good.png", "jpeg-named.png", "jpeg-named.png", "good.gif", "good.gif");
      assertThat(service.failure()).isEmpty();
      assertThat(service.deadLetters()).isEqualTo(bad.size());

      // and it carries on
      send(cluster, Map.of("late.png", avro.apply(request("late.png", goodPng).build())));
      assertThat(ExtractorTopics.consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class,
          2 * good.size() + 2, Duration.ofSeconds(60))).extracting(LayerEmbedding::getItemId).contains("late.png");
      assertThat(service.imagesExtracted()).isEqualTo(good.size() + 1);
    }
  }

  @Test
  void aRequestThatRunsTheDeviceOutOfMemoryAloneIsDeadLetteredAndItsBatchNeighboursAreExtracted(@TempDir Path cache) {
    ClusterConfig cluster = ExtractorTopics.freshCluster("device-memory", 1);
    AvroSerde<ExtractionRequest> serde = AvroSerde.configured(ExtractionRequest.class, cluster.serdeProperties(), false);
    Map<String, byte[]> records = new LinkedHashMap<>();
    for (String item : List.of("a", "b", "large", "c")) {
      int resolution = item.equals("large") ? 128 : 64;
      records.put(item, serde.serialize(cluster.topics().requests(), request(item,
          HostileInputs.solid(resolution, 0x336699 * item.length(), "png")).setResolution(resolution).build()));
    }
    send(cluster, records);
    // The tiny UNet's attention: 1 MiB per input at a 16 x 16 latent (64 px), 16 MiB at 32 x 32 (128 px).
    long limit = 4L << 20;
    ModelOptions options = ModelOptions.defaults().withModelCache(cache).withUnetBatch(8).withDeviceMemoryLimit(limit);
    int threads = EngineThreads.set(1);
    try (FeatureModel model = FeatureModels.open("tiny", null, options);
        ExtractorService service = new ExtractorService(cluster, model,
            new ExtractorOptions("tiny-oom", 4, Duration.ofMillis(100), Duration.ofMinutes(2)))) {
      service.start();
      List<LayerEmbedding> embeddings = ExtractorTopics.consume(cluster, cluster.topics().embeddings(),
          LayerEmbedding.class, 3 * 9, Duration.ofSeconds(120));
      List<DeadLetter> letters = ExtractorTopics.consume(cluster, cluster.topics().deadletter(), DeadLetter.class, 1,
          Duration.ofSeconds(30));

      assertThat(embeddings).hasSize(3 * 9); // 3 images x 9 layers x 1 noise level x NONE
      assertThat(embeddings).extracting(LayerEmbedding::getItemId).containsOnly("a", "b", "c");
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.getStage()).isEqualTo("extract");
        assertThat(new String(bytes(letter.getOriginalKey()), StandardCharsets.UTF_8)).isEqualTo("large");
        assertThat(letter.getReason()).contains("one UNet input at latent 32 x 32 does not fit the device")
            .contains("over the limit of " + limit + " bytes (--device-memory-limit)");
      });
      assertThat(service.failure()).isEmpty();
    } finally {
      EngineThreads.set(threads);
    }
  }

  private static ExtractionRequest.Builder request(String item, byte[] image) {
    return ExtractorTopics.request(item, image, List.of(0.0)).setImageId(item)
        .setConditionings(List.of(Conditioning.NONE)).setSeed(0).setResolution(64).setLatent(LatentMode.MEAN);
  }

  private static void send(ClusterConfig cluster, Map<String, byte[]> records) {
    try (var producer = new KafkaProducer<>(cluster.producerProperties("corpus"), new StringSerializer(),
        new ByteArraySerializer())) {
      records.forEach((key, value) -> producer.send(new ProducerRecord<>(cluster.topics().requests(), key, value)));
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  /** A PNG of random pixels (incompressible): about 3 bytes a pixel. */
  private static byte[] noisePng(int side) {
    var image = new java.awt.image.BufferedImage(side, side, java.awt.image.BufferedImage.TYPE_INT_RGB);
    SplittableRandom rng = new SplittableRandom(7);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        image.setRGB(x, y, rng.nextInt(1 << 24));
      }
    }
    var out = new java.io.ByteArrayOutputStream();
    try {
      javax.imageio.ImageIO.write(image, "png", out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
