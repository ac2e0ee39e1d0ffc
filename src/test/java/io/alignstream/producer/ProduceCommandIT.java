package io.alignstream.producer;

import static io.alignstream.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.Topics;
import io.alignstream.common.registry.SchemaRegistries;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code alignstream produce ...} against a real embedded KRaft broker and reads the topics
 * back, checking counts and contents against an independent reading of the input files.
 */
class ProduceCommandIT {

  @TempDir
  Path dir;

  /**
   * The registry shared by the commands and the test's consumers. The in-memory registry
   * ({@code mock://}) for now; set -Dalignstream.test.registry=http://... to use a real one.
   */
  static String registryUrl() {
    return System.getProperty("alignstream.test.registry", "mock://producer-integration");
  }

  @AfterAll
  static void dropRegistry() {
    SchemaRegistries.dropMock(registryUrl());
  }

  @Test
  void syntheticRequestsAndTripletsArriveAsGenerated() throws Exception {
    String prefix = "synthetic.";
    CommandRun requests = produce(prefix, "requests", "--dataset", "synthetic",
        "--noise-levels", "0.5,0", "--conditionings", "text,none", "--seed", "3", "--resolution", "256",
        "--latent", "mean");
    assertThat(requests.code()).as(requests.err()).isZero();
    String digest = sha256("noise_levels=0,0.5;timesteps=;conditionings=NONE,TEXT;seed=3;resolution=256;latent=MEAN"
        .getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    assertThat(requests.out()).contains("published 108 requests to synthetic.requests").contains(digest);

    SyntheticSpec spec = SyntheticSpec.defaults();
    Map<String, DatasetItem> expected = new HashMap<>();
    SyntheticDataset.generate(spec).dataset().items().forEach(item -> expected.put(item.itemId(), item));
    List<ConsumerRecord<String, ExtractionRequest>> records = read(prefix, Topics::requests, ExtractionRequest.class);
    assertThat(records).hasSize(spec.shapes() * spec.colours() * spec.textures());
    Set<String> items = new HashSet<>();
    for (ConsumerRecord<String, ExtractionRequest> record : records) {
      ExtractionRequest r = record.value();
      items.add(r.getItemId());
      assertThat(record.key()).isEqualTo(r.getImageId() + "@" + digest).isEqualTo(r.getRequestId());
      assertThat(r.getImageId()).isEqualTo(r.getItemId() + ".png");
      assertThat(r.getDataset()).isEqualTo("synthetic");
      byte[] image = bytes(r.getImage());
      assertThat(image).isEqualTo(expected.get(r.getItemId()).imageBytes());
      assertThat(r.getImageSha256()).isEqualTo(sha256(image));
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image));
      assertThat(decoded.getWidth()).isEqualTo(64);
      String[] parts = r.getItemId().split("_"); // colour_shape_texture -> texture_colour_shape
      assertThat(r.getConcept()).isEqualTo(parts[2] + "_" + parts[0] + "_" + parts[1]);
      assertThat(r.getNoiseLevels()).containsExactly(0.0, 0.5);
      assertThat(r.getTimesteps()).isEmpty();
      assertThat(r.getConditionings()).containsExactly(Conditioning.NONE, Conditioning.TEXT);
      assertThat(r.getSeed()).isEqualTo(3);
      assertThat(r.getResolution()).isEqualTo(256);
      assertThat(r.getLatent()).isEqualTo(LatentMode.MEAN);
      assertThat(r.getSettingsDigest()).isEqualTo(digest);
    }
    assertThat(items).isEqualTo(expected.keySet());

    CommandRun triplets = produce(prefix, "triplets", "--dataset", "synthetic");
    assertThat(triplets.code()).as(triplets.err()).isZero();
    List<ConsumerRecord<String, TripletJudgment>> judgments = read(prefix, Topics::triplets, TripletJudgment.class);
    assertThat(judgments).hasSize(spec.singleTriplets() + spec.repeatedTriplets() * spec.repeatsPerTriplet());
    Map<String, TripletResponse> simulated = new HashMap<>();
    SyntheticDataset.generate(spec).dataset().triplets().forEach(t -> simulated.put(t.tripletId(), t));
    for (ConsumerRecord<String, TripletJudgment> record : judgments) {
      TripletJudgment j = record.value();
      TripletResponse original = simulated.remove(record.key());
      assertThat(original).as("response %s published once", record.key()).isNotNull();
      assertThat(j.getTripletId()).isEqualTo(record.key());
      assertThat(j.getDataset()).isEqualTo("synthetic");
      assertThat(j.getItems()).isEqualTo(original.items());
      assertThat(j.getOddOneOut()).isEqualTo(original.oddOneOut());
      assertThat(j.getSubject()).isEqualTo(original.subject());
    }
    assertThat(simulated).isEmpty();
  }

  @Test
  void thingsLayoutRequestsCarryTheFilesAndDeadLetterWhatIsNotAnImage() throws Exception {
    Path concepts = Files.writeString(dir.resolve("concepts.tsv"),
        "Word\tuniqueID\naardvark\taardvark\nabacus\tabacus\nbat\tbat1\nbat\tbat2\n");
    Path images = dir.resolve("object_images");
    Path first = writeJpeg(images.resolve("aardvark/aardvark_01b.jpg"), 0x336699);
    writeJpeg(images.resolve("aardvark/aardvark_02s.jpg"), 0x996633);
    Path bat = writeJpeg(images.resolve("bat2/bat2_01b.jpg"), 0x00ff00);
    Files.createDirectories(images.resolve("abacus"));
    Files.writeString(images.resolve("abacus/abacus_01b.jpg"), "not really a jpeg");

    String prefix = "layout.";
    CommandRun result = produce(prefix, "requests", "--dataset", "things",
        "--things-dir", dir.toString(), "--concepts", concepts.toString(), "--noise-levels", "0.2",
        "--conditionings", "none");
    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.out()).contains("found 3 images for 3 of 4 concepts")
        .contains("published 2 requests").contains("rejected 1 images");

    List<ConsumerRecord<String, ExtractionRequest>> records = read(prefix, Topics::requests, ExtractionRequest.class);
    Map<String, ExtractionRequest> byImage = new HashMap<>();
    records.forEach(r -> byImage.put(r.value().getImageId(), r.value()));
    assertThat(byImage.keySet()).containsExactlyInAnyOrder("aardvark_01b.jpg", "bat2_01b.jpg");
    assertThat(bytes(byImage.get("aardvark_01b.jpg").getImage())).isEqualTo(Files.readAllBytes(first));
    assertThat(bytes(byImage.get("bat2_01b.jpg").getImage())).isEqualTo(Files.readAllBytes(bat));
    assertThat(byImage.get("bat2_01b.jpg").getItemId()).isEqualTo("bat2");
    assertThat(byImage.get("bat2_01b.jpg").getConcept()).isEqualTo("bat2");
    assertThat(byImage.get("bat2_01b.jpg").getDataset()).isEqualTo("things");

    List<ConsumerRecord<String, DeadLetter>> dead = read(prefix, Topics::deadletter, DeadLetter.class);
    assertThat(dead).hasSize(1);
    DeadLetter letter = dead.get(0).value();
    assertThat(dead.get(0).key()).startsWith("abacus_01b.jpg@");
    assertThat(letter.getService()).isEqualTo("producer");
    assertThat(letter.getStage()).isEqualTo("validate-image");
    assertThat(letter.getReason()).contains("abacus_01b.jpg (17 bytes starting 6e6f74207265616c) is in no image format");
    assertThat(letter.getTopic()).isEqualTo(prefix + "requests");
    assertThat(bytes(letter.getOriginalValue())).isEqualTo("not really a jpeg".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void emojiImagesArePublishedOncePerConceptWithTheirBytes() throws Exception {
    Path emoji = SharedData.emojiImages();
    Set<String> ids = new HashSet<>(Files.readAllLines(SharedData.uniqueIds()));
    Map<String, Path> expected = new HashMap<>();
    try (Stream<Path> files = Files.list(emoji)) {
      files.filter(p -> p.toString().endsWith(".png"))
          .filter(p -> ids.contains(p.getFileName().toString().replace(".png", "")))
          .forEach(p -> expected.put(p.getFileName().toString(), p));
    }
    String prefix = "emoji.";
    CommandRun result = produce(prefix, "requests", "--dataset", "things", "--things-dir",
        emoji.toString(), "--concepts", SharedData.concepts().toString(), "--conditionings", "text");
    assertThat(result.code()).as(result.err()).isZero();

    List<ConsumerRecord<String, ExtractionRequest>> records = read(prefix, Topics::requests, ExtractionRequest.class);
    assertThat(records).hasSize(expected.size());
    for (ConsumerRecord<String, ExtractionRequest> record : records) {
      ExtractionRequest r = record.value();
      Path file = expected.remove(r.getImageId());
      assertThat(file).as("image %s expected once", r.getImageId()).isNotNull();
      assertThat(bytes(r.getImage())).isEqualTo(Files.readAllBytes(file));
      assertThat(r.getItemId()).isEqualTo(r.getImageId().replace(".png", ""));
    }
    assertThat(expected).isEmpty();
  }

  @Test
  void thingsTestTripletsArriveLineForLine() throws Exception {
    List<String> ids = Files.readAllLines(SharedData.uniqueIds());
    List<String> lines = Files.readAllLines(SharedData.testTriplets());
    String prefix = "things.";
    CommandRun result = produce(prefix, "triplets", "--file", SharedData.testTriplets().toString(),
        "--concepts", SharedData.concepts().toString());
    assertThat(result.code()).as(result.err()).isZero();

    List<ConsumerRecord<String, TripletJudgment>> records = read(prefix, Topics::triplets, TripletJudgment.class);
    long nonBlank = lines.stream().filter(l -> !l.isBlank()).count();
    assertThat(records).hasSize((int) nonBlank);
    assertThat(result.out()).contains("published " + nonBlank + " triplets to things.triplets");
    Map<String, List<String>> expected = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String[] cols = lines.get(i).trim().split("\\s+");
      expected.put("things:things_behavior_triplets_test10.txt:" + (i + 1), List.of(ids.get(Integer.parseInt(cols[0])),
          ids.get(Integer.parseInt(cols[1])), ids.get(Integer.parseInt(cols[2]))));
    }
    List<String> mismatches = new ArrayList<>();
    for (ConsumerRecord<String, TripletJudgment> record : records) {
      TripletJudgment j = record.value();
      List<String> items = expected.remove(record.key());
      if (items == null || !items.equals(j.getItems()) || j.getOddOneOut() != 2 || j.getSubject() != null
          || !j.getDataset().equals("things") || !j.getTripletId().equals(record.key())) {
        mismatches.add(record.key() + " -> " + j);
      }
    }
    assertThat(mismatches).isEmpty();
    assertThat(expected).isEmpty();
  }

  @Test
  void tripletsCanBeRestrictedToConceptsWithImages() throws Exception {
    List<String> ids = Files.readAllLines(SharedData.uniqueIds());
    Set<String> withImage = new HashSet<>();
    try (Stream<Path> files = Files.list(SharedData.emojiImages())) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png"))
          .forEach(n -> withImage.add(n.substring(0, n.length() - 4)));
    }
    long expected = Files.readAllLines(SharedData.testTriplets()).stream()
        .filter(l -> !l.isBlank())
        .map(l -> l.trim().split("\\s+"))
        .filter(c -> withImage.contains(ids.get(Integer.parseInt(c[0]))) && withImage.contains(ids.get(Integer.parseInt(c[1])))
            && withImage.contains(ids.get(Integer.parseInt(c[2]))))
        .count();

    String prefix = "restricted.";
    CommandRun result = produce(prefix, "triplets", "--file", SharedData.testTriplets().toString(),
        "--concepts", SharedData.concepts().toString(), "--only-with-images", SharedData.emojiImages().toString(),
        "--dataset-name", "things-emoji");
    assertThat(result.code()).as(result.err()).isZero();
    List<ConsumerRecord<String, TripletJudgment>> records = read(prefix, Topics::triplets, TripletJudgment.class);
    assertThat(records).hasSize((int) expected);
    assertThat(records).allSatisfy(r -> {
      assertThat(withImage).containsAll(r.value().getItems());
      assertThat(r.key()).startsWith("things-emoji:things_behavior_triplets_test10.txt:");
    });
  }

  @Test
  void viceEmbeddingRowsArriveAsLayerEmbeddingsOfTheirConcepts() throws Exception {
    List<String> ids = Files.readAllLines(SharedData.uniqueIds());
    List<String> tsv = Files.readAllLines(SharedData.viceTsv());
    Path npy = SharedData.viceNpy();
    String prefix = "vice.";
    CommandRun result = produce(prefix, "embeddings", "--model-id", "vice", "--layer", "embedding",
        "--file", npy.toString(), "--concepts", SharedData.concepts().toString());
    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.out()).contains("published " + ids.size() + " embeddings of 42 dimensions to vice.embeddings");

    List<ConsumerRecord<String, LayerEmbedding>> records = read(prefix, Topics::embeddings, LayerEmbedding.class);
    assertThat(records).hasSize(ids.size());
    String weights = sha256(Files.readAllBytes(npy));
    // One key, so one partition, so file order.
    for (int row = 0; row < records.size(); row++) {
      ConsumerRecord<String, LayerEmbedding> record = records.get(row);
      LayerEmbedding e = record.value();
      assertThat(record.key()).isEqualTo("vice|embedding|0|NONE");
      assertThat(e.getItemId()).isEqualTo(ids.get(row));
      assertThat(e.getSetting().getModelId()).isEqualTo("vice");
      assertThat(e.getSetting().getLayer()).isEqualTo("embedding");
      assertThat(e.getSetting().getConditioning()).isEqualTo(Conditioning.NONE);
      assertThat(e.getPooling()).isEqualTo("none");
      assertThat(e.getSource()).isEqualTo("file:" + npy.getFileName());
      assertThat(e.getWeightsDigest()).isEqualTo(weights);
      String[] text = tsv.get(row).split("\t");
      assertThat(e.getDim()).isEqualTo(text.length);
      for (int c = 0; c < text.length; c++) {
        double value = Double.parseDouble(text[c]);
        assertThat((double) e.getVector().get(c)).isCloseTo(value,
            org.assertj.core.data.Offset.offset(5.0e-7 * Math.abs(value) + 1e-12));
      }
    }
  }

  @Test
  void aMalformedTripletFilePublishesNothing() throws Exception {
    Path concepts = Files.writeString(dir.resolve("c.txt"), "a\nb\nc\nd\n");
    Path file = Files.writeString(dir.resolve("t.txt"), "0 1 2\n1 2 3\n0 1\n");
    String prefix = "malformed.";
    CommandRun result = produce(prefix, "triplets", "--file", file.toString(), "--concepts",
        concepts.toString());
    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains(file + ":3: 2 columns where format ijk has 3");
    try (Admin admin = Admin.create(cluster(prefix).clientProperties("check"))) {
      assertThat(admin.listTopics().names().get()).doesNotContain(prefix + "triplets");
    }
  }

  @Test
  void optionsComeFromTheConfigFile() throws Exception {
    Path config = Files.writeString(dir.resolve("producer.properties"),
        "noise.levels=0.3\nconditionings=text\nlimit=5\nresolution=768\n");
    String prefix = "configured.";
    CommandRun result = produce(prefix, "requests", "--config", config.toString());
    assertThat(result.code()).as(result.err()).isZero();
    List<ConsumerRecord<String, ExtractionRequest>> records = read(prefix, Topics::requests, ExtractionRequest.class);
    assertThat(records).hasSize(5);
    assertThat(records).allSatisfy(r -> {
      assertThat(r.value().getNoiseLevels()).containsExactly(0.3);
      assertThat(r.value().getConditionings()).containsExactly(Conditioning.TEXT);
      assertThat(r.value().getResolution()).isEqualTo(768);
    });
  }

  @Test
  void publishingTheSameFolderAgainSendsOnlyWhatChangedUnlessForced() throws Exception {
    Path concepts = Files.writeString(dir.resolve("again.tsv"), "uniqueID\nant\nbee\n");
    Path folder = dir.resolve("again");
    writeJpeg(folder.resolve("ant.jpg"), 0x336699);
    writeJpeg(folder.resolve("bee.jpg"), 0x996633);
    String prefix = "again.";
    String[] args = {"requests", "--dataset", "things", "--things-dir", folder.toString(), "--concepts",
        concepts.toString(), "--noise-levels", "0.2", "--conditionings", "none"};

    CommandRun first = produce(prefix, args);
    assertThat(first.out()).as(first.err()).contains("published 2 requests");
    CommandRun again = produce(prefix, args);
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("published 0 requests").contains("skipped 2 requests already on again.requests");
    assertThat(read(prefix, Topics::requests, ExtractionRequest.class)).hasSize(2);

    // A changed image under the same key is sent again; the unchanged one is not.
    Path changed = writeJpeg(folder.resolve("bee.jpg"), 0x123456);
    CommandRun afterChange = produce(prefix, args);
    assertThat(afterChange.out()).contains("published 1 requests").contains("skipped 1 requests");
    List<ConsumerRecord<String, ExtractionRequest>> records = read(prefix, Topics::requests, ExtractionRequest.class);
    assertThat(records).hasSize(3);
    assertThat(records.get(2).value().getImageId()).isEqualTo("bee.jpg");
    assertThat(bytes(records.get(2).value().getImage())).isEqualTo(Files.readAllBytes(changed));

    List<String> forced = new ArrayList<>(List.of(args));
    forced.add("--force");
    CommandRun force = produce(prefix, forced.toArray(String[]::new));
    assertThat(force.out()).contains("published 2 requests").doesNotContain("skipped");
    assertThat(read(prefix, Topics::requests, ExtractionRequest.class)).hasSize(5);
  }

  private static CommandRun produce(String prefix, String... args) {
    List<String> all = new ArrayList<>(List.of("produce"));
    all.addAll(List.of(args));
    all.addAll(List.of("--bootstrap-servers", SharedTestBroker.bootstrapServers(), "--schema-registry-url", registryUrl(),
        "--topic-prefix", prefix, "--partitions", "3"));
    return run(all.toArray(String[]::new));
  }

  private static ClusterConfig cluster(String prefix) {
    return ClusterConfig.of(SharedTestBroker.bootstrapServers(), registryUrl()).withTopics(new Topics(prefix));
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> List<ConsumerRecord<String, T>> read(
      String prefix, java.util.function.Function<Topics, String> topic, Class<T> type) {
    return TopicContents.readAll(cluster(prefix), topic.apply(new Topics(prefix)), type);
  }

  private static Path writeJpeg(Path file, int rgb) throws Exception {
    Files.createDirectories(file.getParent());
    BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        image.setRGB(x, y, rgb + x);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return Files.write(file, out.toByteArray());
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
