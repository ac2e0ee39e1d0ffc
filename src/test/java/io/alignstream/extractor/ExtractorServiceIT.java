package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The extract loop on a real broker: exactly-once output, dead letters, restarts, two instances. */
class ExtractorServiceIT {

  private static ClusterConfig freshCluster() {
    return ExtractorTopics.freshCluster("extractor", 4);
  }

  @Test
  void embedsEveryImageOnceAndDeadLettersWhatItCannotRead() throws Exception {
    ClusterConfig cluster = freshCluster();
    int[] colours = {0xff0000, 0x00ff00, 0x0000ff, 0x808080, 0xffffff};
    List<ExtractionRequest> requests = new ArrayList<>();
    for (int i = 0; i < colours.length; i++) {
      requests.add(request("item" + i, png(colours[i]), List.of(0.0)));
    }
    requests.add(request("corrupt", new byte[] {1, 2, 3, 4}, List.of(0.0)));
    requests.add(request("too-noisy", png(0), List.of(1.5)));
    ExtractorTopics.send(cluster, requests);

    try (ExtractorService service = new ExtractorService(cluster, new PixelBaseline("pixels", 4), options("a"))) {
      service.start();
      List<LayerEmbedding> embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 10);
      List<DeadLetter> letters = consume(cluster, cluster.topics().deadletter(), DeadLetter.class, 2);

      assertThat(embeddings).hasSize(10);
      for (int i = 0; i < colours.length; i++) {
        String item = "item" + i;
        LayerEmbedding rgb = embeddings.stream()
            .filter(e -> e.getItemId().equals(item) && e.getSetting().getLayer().equals("rgb4"))
            .findFirst().orElseThrow();
        float r = ((colours[i] >> 16) & 0xff) / 255f;
        float g = ((colours[i] >> 8) & 0xff) / 255f;
        float b = (colours[i] & 0xff) / 255f;
        assertThat(rgb.getVector()).hasSize(48).containsOnly(r, g, b);
        assertThat(rgb.getDim()).isEqualTo(48);
        assertThat(SettingKey.of(rgb.getSetting())).isEqualTo("pixels|rgb4|0|NONE");
      }
      assertThat(letters).extracting(DeadLetter::getStage).containsExactlyInAnyOrder("decode-image", "validate-request");
      assertThat(letters).allSatisfy(l -> assertThat(l.getOriginalValue()).isNotNull());
      assertThat(letters.stream().filter(l -> l.getStage().equals("validate-request")).findFirst().orElseThrow()
          .getReason()).contains("noise level 1.5");
      assertThat(consume(cluster, cluster.topics().models(), ModelCard.class, 1))
          .singleElement().satisfies(card -> assertThat(card.getLayers()).hasSize(2));
      assertThat(service.imagesExtracted()).isEqualTo(5);
    }

    // A restarted instance of the same model resumes after the committed offsets: nothing twice.
    ExtractorTopics.send(cluster, List.of(request("late", png(0x123456), List.of(0.0))));
    try (ExtractorService restarted = new ExtractorService(cluster, new PixelBaseline("pixels", 4), options("a"))) {
      restarted.start();
      List<LayerEmbedding> all = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 12);
      assertThat(all).hasSize(12);
      assertThat(restarted.imagesExtracted()).isEqualTo(1);
    }
  }

  @Test
  void twoInstancesShareTheRequestsWithoutDuplicates() throws Exception {
    ClusterConfig cluster = freshCluster();
    List<ExtractionRequest> requests = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      requests.add(request("item" + i, png(i * 0x0a0b0c), List.of(0.0)));
    }
    ExtractorTopics.send(cluster, requests);

    try (ExtractorService one = new ExtractorService(cluster, new PixelBaseline("pixels", 2), options("one"));
        ExtractorService two = new ExtractorService(cluster, new PixelBaseline("pixels", 2), options("two"))) {
      one.start();
      two.start();
      List<LayerEmbedding> embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 48);

      assertThat(embeddings).hasSize(48);
      assertThat(embeddings.stream().map(e -> e.getItemId() + "/" + e.getSetting().getLayer()).distinct())
          .hasSize(48);
    }
  }

  /**
   * A rebalance while a poll is in the network (the loop reads the next one meanwhile): the poll
   * in flight commits before its partitions move, so no request is extracted twice or lost.
   */
  @Test
  void anInstanceJoiningWhileAPollIsInTheNetworkTakesNoRequestTwice() throws Exception {
    ClusterConfig cluster = freshCluster();
    List<ExtractionRequest> requests = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      requests.add(request("item" + i, png(i * 0x030507), List.of(0.0)));
    }
    ExtractorTopics.send(cluster, requests);

    try (ExtractorService one = new ExtractorService(cluster, new SlowModel(new PixelBaseline("pixels", 2)),
        options("one"))) {
      one.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (one.imagesExtracted() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(one.imagesExtracted()).as("committed before the second instance joins").isBetween(4L, 56L);
      try (ExtractorService two = new ExtractorService(cluster, new PixelBaseline("pixels", 2), options("two"))) {
        two.start();
        List<LayerEmbedding> embeddings = consume(cluster, cluster.topics().embeddings(), LayerEmbedding.class, 120);

        assertThat(embeddings).hasSize(120);
        assertThat(embeddings.stream().map(e -> e.getItemId() + "/" + e.getSetting().getLayer()).distinct())
            .hasSize(120);
        assertThat(one.imagesExtracted() + two.imagesExtracted()).isEqualTo(60);
        assertThat(one.failure()).isEmpty();
      }
    }
  }

  /** A model whose every batch takes 250 ms, so a poll is in the network whenever the group rebalances. */
  private record SlowModel(PixelBaseline model) implements FeatureModel {
    @Override
    public ModelInfo info() {
      return model.info();
    }

    @Override
    public List<Feature> extract(List<ImageInput> images) {
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return model.extract(images);
    }

    @Override
    public void close() {
      model.close();
    }
  }

  private static ExtractorOptions options(String instance) {
    return new ExtractorOptions(instance, 4, Duration.ofMillis(100), Duration.ofMinutes(1));
  }

  static ExtractionRequest request(String item, byte[] image, List<Double> noise) {
    return ExtractorTopics.request(item, image, noise)
        .setConditionings(List.of(Conditioning.NONE)).setSeed(0).setResolution(64).setLatent(LatentMode.MEAN)
        .build();
  }

  static byte[] png(int rgb) throws IOException {
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static <T extends SpecificRecord> List<T> consume(ClusterConfig cluster, String topic, Class<T> type,
      int expected) {
    return ExtractorTopics.consume(cluster, topic, type, expected, Duration.ofSeconds(60));
  }
}
