package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {

  private static SyntheticDataset generated;
  private static SyntheticSpec spec;

  @BeforeAll
  static void generate() {
    spec = SyntheticSpec.defaults();
    generated = SyntheticDataset.generate(spec);
  }

  @Test
  void hasOneDistinctConceptPerShapeColourTextureCombination() {
    List<DatasetItem> items = generated.dataset().items();
    assertThat(items).hasSize(spec.shapes() * spec.colours() * spec.textures());
    Set<String> ids = new HashSet<>();
    for (DatasetItem item : items) {
      ids.add(item.itemId());
      assertThat(item.itemId()).matches("[a-z]+_[a-z]+_[a-z]+");
      assertThat(item.imageId()).isEqualTo(item.itemId() + ".png");
    }
    assertThat(ids).hasSize(items.size()).contains("red_circle_striped", "blue_heart_dotted", "magenta_cross_solid");
  }

  @Test
  void countsAreConfigurable() {
    SyntheticSpec small = new SyntheticSpec(2, 3, 2, 32, 7, 100, 5, 4, 10, 0.6);
    SyntheticDataset data = SyntheticDataset.generate(small);
    assertThat(data.dataset().items()).hasSize(2 * 3 * 2);
    assertThat(data.dataset().triplets()).hasSize(100 + 5 * 4);
    assertThat(decode(data.dataset().items().get(0).imageBytes()).getWidth()).isEqualTo(32);
  }

  @Test
  void imagesArePngsOfTheConfiguredSize() {
    for (DatasetItem item : generated.dataset().items()) {
      BufferedImage image = decode(item.imageBytes());
      assertThat(image.getWidth()).isEqualTo(64);
      assertThat(image.getHeight()).isEqualTo(64);
    }
    SyntheticDataset larger = SyntheticDataset.generate(spec.withImageSize(96));
    assertThat(decode(larger.dataset().items().get(0).imageBytes()).getWidth()).isEqualTo(96);
  }

  @Test
  void solidShapesAreFilledWithTheirColour() {
    Map<String, DatasetItem> byId = new HashMap<>();
    generated.dataset().items().forEach(item -> byId.put(item.itemId(), item));
    int red = decode(byId.get("red_circle_solid").imageBytes()).getRGB(32, 32);
    int blue = decode(byId.get("blue_square_solid").imageBytes()).getRGB(32, 32);
    assertThat(channel(red, 16)).isGreaterThan(channel(red, 8) + 100).isGreaterThan(channel(red, 0) + 100);
    assertThat(channel(blue, 0)).isGreaterThan(channel(blue, 16) + 100).isGreaterThan(channel(blue, 8) + 100);
    int corner = decode(byId.get("red_circle_solid").imageBytes()).getRGB(0, 0);
    assertThat(channel(corner, 16)).isEqualTo(channel(corner, 8)).isEqualTo(channel(corner, 0)); // grey background
  }

  @Test
  void sameSeedGivesTheSameBytesAndAnotherSeedOtherImagesAndTriplets() {
    SyntheticDataset again = SyntheticDataset.generate(spec);
    for (int i = 0; i < generated.dataset().items().size(); i++) {
      assertThat(again.dataset().items().get(i).imageBytes()).isEqualTo(generated.dataset().items().get(i).imageBytes());
    }
    assertThat(again.dataset().triplets()).isEqualTo(generated.dataset().triplets());

    SyntheticDataset other = SyntheticDataset.generate(spec.withSeed(spec.seed() + 1));
    long differentImages = 0;
    for (int i = 0; i < other.dataset().items().size(); i++) {
      if (!java.util.Arrays.equals(other.dataset().items().get(i).imageBytes(),
          generated.dataset().items().get(i).imageBytes())) {
        differentImages++;
      }
    }
    assertThat(differentImages).isGreaterThan(other.dataset().items().size() / 2);
    assertThat(other.dataset().triplets()).isNotEqualTo(generated.dataset().triplets());
  }

  @Test
  void aFreshJvmRendersByteIdenticalImages() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        SyntheticImageDigests.class.getName(), String.valueOf(spec.seed()))
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output.strip()).isEqualTo(SyntheticImageDigests.digests(generated.dataset()).strip());
  }

  @Test
  void defaultSizeHasAboutTwoAndAHalfThousandResponsesWithHundredsRepeated() {
    List<TripletResponse> responses = generated.dataset().triplets();
    assertThat(responses).hasSize(spec.singleTriplets() + spec.repeatedTriplets() * spec.repeatsPerTriplet());
    assertThat(responses.size()).isBetween(2000, 3000);

    Map<List<String>, List<TripletResponse>> groups = groupBySet(responses);
    List<List<TripletResponse>> repeated = groups.values().stream().filter(g -> g.size() > 1).toList();
    assertThat(repeated).hasSize(spec.repeatedTriplets());
    assertThat(repeated).allSatisfy(group -> {
      assertThat(group).hasSize(spec.repeatsPerTriplet());
      assertThat(group.stream().map(TripletResponse::subject).distinct().count()).isEqualTo(group.size());
    });
    assertThat(repeated.stream().mapToInt(List::size).sum()).isBetween(200, 999);

    Set<String> ids = new HashSet<>();
    generated.dataset().items().forEach(item -> ids.add(item.itemId()));
    Set<String> tripletIds = new HashSet<>();
    for (TripletResponse response : responses) {
      assertThat(ids).containsAll(response.items());
      assertThat(new HashSet<>(response.items())).hasSize(3);
      assertThat(tripletIds.add(response.tripletId())).isTrue();
      assertThat(response.tripletId()).startsWith("synthetic:");
    }
  }

  @Test
  void majorityAgreementOfRepeatedTripletsIsAboutTheThingsNoiseCeiling() {
    long agreeing = 0;
    long total = 0;
    for (List<TripletResponse> group : groupBySet(generated.dataset().triplets()).values()) {
      if (group.size() < 2) {
        continue;
      }
      Map<String, Integer> votes = new HashMap<>();
      group.forEach(r -> votes.merge(r.oddItem(), 1, Integer::sum));
      agreeing += Collections.max(votes.values());
      total += group.size();
    }
    double ceiling = (double) agreeing / total;
    assertThat(ceiling).isBetween(0.6, 0.8);
  }

  @Test
  void anOracleEmbeddingOfTheAttributesPredictsMostChoicesAndARandomOneChance() {
    Map<String, double[]> oracle = generated.attributeVectors();
    Map<String, double[]> random = new HashMap<>();
    Random rng = new Random(5);
    for (String id : oracle.keySet()) {
      double[] v = new double[oracle.get(id).length];
      for (int i = 0; i < v.length; i++) {
        v[i] = rng.nextGaussian();
      }
      random.put(id, v);
    }
    double oracleAccuracy = cosineAccuracy(oracle, generated.dataset().triplets());
    double randomAccuracy = cosineAccuracy(random, generated.dataset().triplets());
    assertThat(oracleAccuracy).isGreaterThan(0.6);
    assertThat(randomAccuracy).isBetween(0.25, 0.42);
  }

  @Test
  void groundTruthSimilarityFollowsTheAttributes() {
    double self = generated.similarity("red_circle_solid", "red_circle_solid");
    double nearHue = generated.similarity("red_circle_solid", "yellow_circle_solid");
    double farHue = generated.similarity("red_circle_solid", "cyan_circle_solid");
    double otherShape = generated.similarity("red_circle_solid", "red_star_solid");
    assertThat(self).isGreaterThan(nearHue).isGreaterThan(otherShape);
    assertThat(nearHue).isGreaterThan(farHue);
    // The odd one out is most likely the item outside the most similar pair.
    double[] p = generated.choiceProbabilities(List.of("red_circle_solid", "red_circle_striped", "cyan_star_dotted"));
    assertThat(p[2]).isGreaterThan(p[0]).isGreaterThan(0).isLessThan(1);
    assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void rejectsSpecsThatCannotWork() {
    assertThatThrownBy(() -> new SyntheticSpec(9, 6, 3, 64, 1, 10, 1, 2, 5, 0.6))
        .hasMessageContaining("shapes must be in 1..8");
    assertThatThrownBy(() -> new SyntheticSpec(1, 1, 2, 64, 1, 10, 1, 2, 5, 0.6))
        .hasMessageContaining("at least 3 concepts");
    assertThatThrownBy(() -> new SyntheticSpec(1, 1, 3, 64, 1, 10, 0, 2, 5, 0.6))
        .hasMessageContaining("distinct triplets");
    assertThatThrownBy(() -> new SyntheticSpec(6, 6, 3, 64, 1, 10, 1, 8, 5, 0.6))
        .hasMessageContaining("simulated subjects");
    assertThatThrownBy(() -> new SyntheticSpec(6, 6, 3, 64, 1, 10, 1, 2, 5, 0))
        .hasMessageContaining("temperature");
  }

  /** Share of responses where the item outside the most cosine-similar pair is the chosen one; ties count wrong. */
  static double cosineAccuracy(Map<String, double[]> embedding, List<TripletResponse> responses) {
    long correct = 0;
    for (TripletResponse r : responses) {
      double[] a = embedding.get(r.items().get(0));
      double[] b = embedding.get(r.items().get(1));
      double[] c = embedding.get(r.items().get(2));
      double[] pairOutside = {cosine(b, c), cosine(a, c), cosine(a, b)}; // odd = 0, 1, 2
      int best = 0;
      boolean tie = false;
      for (int i = 1; i < 3; i++) {
        if (pairOutside[i] > pairOutside[best]) {
          best = i;
          tie = false;
        } else if (pairOutside[i] == pairOutside[best]) {
          tie = true;
        }
      }
      if (!tie && best == r.oddOneOut()) {
        correct++;
      }
    }
    return (double) correct / responses.size();
  }

  private static double cosine(double[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static Map<List<String>, List<TripletResponse>> groupBySet(List<TripletResponse> responses) {
    Map<List<String>, List<TripletResponse>> groups = new HashMap<>();
    for (TripletResponse response : responses) {
      List<String> key = new ArrayList<>(response.items());
      Collections.sort(key);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(response);
    }
    return groups;
  }

  private static BufferedImage decode(byte[] png) {
    try {
      assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
      return ImageIO.read(new ByteArrayInputStream(png));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static int channel(int rgb, int shift) {
    return (rgb >> shift) & 0xff;
  }

  static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
