package io.alignstream.producer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The synthetic demo set: concepts = shape x colour x texture, each rendered to a PNG, and
 * simulated human odd-one-out responses over them.
 *
 * <p>Ground truth: every concept has an attribute vector whose dot products are the
 * ground-truth similarities, {@code sim(a, b) = 1.0 * shapeSim + 0.8 * cos(hue difference)
 * + 0.6 * [same texture]}, where shapeSim is 1 for the same shape and otherwise a graded
 * similarity from the shapes' positions in a small shape space. All vectors have the same norm,
 * so cosine and dot similarity order pairs alike and an "oracle" embedding made of these
 * vectors predicts the most probable choice.
 *
 * <p>Simulated subjects: for a triplet, the logit of "item x is the odd one out" is the
 * similarity of the other two divided by the temperature (the odd one is the item outside the
 * most similar pair); each response is a draw from the softmax. Repeated triplets are answered
 * by different subjects, each presented in its own random order. Everything is drawn from one
 * seeded generator in a fixed order, so a spec always produces the same dataset.
 */
public final class SyntheticDataset {

  public static final String NAME = "synthetic";

  static final double SHAPE_WEIGHT = 1.0;
  static final double COLOUR_WEIGHT = 0.8;
  static final double TEXTURE_WEIGHT = 0.6;
  /** Share of shape similarity that is identity; the rest comes from the shape-space angle. */
  static final double SHAPE_IDENTITY_SHARE = 0.6;

  private final SyntheticSpec spec;
  private final List<SyntheticConcept> concepts;
  private final Map<String, double[]> attributes;
  private final Dataset dataset;

  private SyntheticDataset(SyntheticSpec spec, List<SyntheticConcept> concepts, Map<String, double[]> attributes,
      Dataset dataset) {
    this.spec = spec;
    this.concepts = concepts;
    this.attributes = attributes;
    this.dataset = dataset;
  }

  /** Renders the images and simulates the responses. */
  public static SyntheticDataset generate(SyntheticSpec spec) {
    List<SyntheticConcept> concepts = concepts(spec);
    Map<String, double[]> attributes = new LinkedHashMap<>();
    for (SyntheticConcept concept : concepts) {
      attributes.put(concept.id(), attributeVector(spec, concept));
    }
    ConceptPainter painter = new ConceptPainter(spec.imageSize(), spec.seed());
    List<DatasetItem> items = new ArrayList<>(concepts.size());
    for (SyntheticConcept concept : concepts) {
      items.add(new DatasetItem(concept.id(), concept.conceptText(), concept.imageId(),
          ImageSource.ofBytes(painter.png(concept))));
    }
    List<TripletResponse> triplets = simulateResponses(spec, concepts, attributes);
    return new SyntheticDataset(spec, List.copyOf(concepts), Collections.unmodifiableMap(attributes),
        new Dataset(NAME, items, triplets));
  }

  /** The concepts of a spec, without rendering anything (shapes vary slowest, textures fastest). */
  public static List<SyntheticConcept> concepts(SyntheticSpec spec) {
    List<SyntheticConcept> list = new ArrayList<>(spec.conceptCount());
    for (int s = 0; s < spec.shapes(); s++) {
      for (int c = 0; c < spec.colours(); c++) {
        for (int t = 0; t < spec.textures(); t++) {
          list.add(new SyntheticConcept(list.size(), SyntheticShape.values()[s], SyntheticColour.values()[c],
              SyntheticTexture.values()[t]));
        }
      }
    }
    return list;
  }

  public SyntheticSpec spec() {
    return spec;
  }

  public List<SyntheticConcept> concepts() {
    return concepts;
  }

  /** The images and responses, ready to publish. */
  public Dataset dataset() {
    return dataset;
  }

  /** Ground-truth attribute vector per item id (a copy). */
  public Map<String, double[]> attributeVectors() {
    Map<String, double[]> copy = new LinkedHashMap<>();
    attributes.forEach((id, v) -> copy.put(id, v.clone()));
    return copy;
  }

  /** Ground-truth similarity of two items: the dot product of their attribute vectors. */
  public double similarity(String itemA, String itemB) {
    return dot(vector(itemA), vector(itemB));
  }

  /**
   * Probability that a simulated subject calls each position the odd one out, for items in
   * the order given.
   */
  public double[] choiceProbabilities(List<String> items) {
    return softmaxOfPairs(vector(items.get(0)), vector(items.get(1)), vector(items.get(2)), spec.temperature());
  }

  private double[] vector(String itemId) {
    double[] v = attributes.get(itemId);
    if (v == null) {
      throw new IllegalArgumentException("no synthetic item '" + itemId + "'");
    }
    return v;
  }

  /**
   * Blocks [shape one-hot | shape-space (cos, sin) | hue (cos, sin) | texture one-hot], each
   * scaled by the square root of its weight so that dot products are the weighted similarities.
   */
  static double[] attributeVector(SyntheticSpec spec, SyntheticConcept concept) {
    double[] v = new double[spec.shapes() + 2 + 2 + spec.textures()];
    int at = 0;
    v[at + concept.shape().ordinal()] = Math.sqrt(SHAPE_WEIGHT * SHAPE_IDENTITY_SHARE);
    at += spec.shapes();
    double shapeAngle = StrictMath.toRadians(concept.shape().spaceAngleDegrees());
    double shapeScale = Math.sqrt(SHAPE_WEIGHT * (1 - SHAPE_IDENTITY_SHARE));
    v[at++] = shapeScale * StrictMath.cos(shapeAngle);
    v[at++] = shapeScale * StrictMath.sin(shapeAngle);
    double hue = StrictMath.toRadians(concept.colour().hueDegrees());
    double colourScale = Math.sqrt(COLOUR_WEIGHT);
    v[at++] = colourScale * StrictMath.cos(hue);
    v[at++] = colourScale * StrictMath.sin(hue);
    v[at + concept.texture().ordinal()] = Math.sqrt(TEXTURE_WEIGHT);
    return v;
  }

  private static List<TripletResponse> simulateResponses(
      SyntheticSpec spec, List<SyntheticConcept> concepts, Map<String, double[]> attributes) {
    Random random = new Random(spec.seed());
    int n = concepts.size();
    Set<Long> drawn = new HashSet<>();
    List<int[]> trials = new ArrayList<>(); // {a, b, c, subject}
    for (int t = 0; t < spec.repeatedTriplets(); t++) {
      int[] triplet = drawNewTriplet(random, n, drawn);
      for (int subject : distinctSubjects(random, spec.subjects(), spec.repeatsPerTriplet())) {
        trials.add(new int[] {triplet[0], triplet[1], triplet[2], subject});
      }
    }
    for (int t = 0; t < spec.singleTriplets(); t++) {
      int[] triplet = drawNewTriplet(random, n, drawn);
      trials.add(new int[] {triplet[0], triplet[1], triplet[2], random.nextInt(spec.subjects())});
    }
    // Real data interleaves repeats with everything else; so does the stream we publish.
    Collections.shuffle(trials, random);

    List<TripletResponse> responses = new ArrayList<>(trials.size());
    for (int[] trial : trials) {
      int[] order = {trial[0], trial[1], trial[2]};
      shuffle(order, random);
      double[] p = softmaxOfPairs(attributes.get(concepts.get(order[0]).id()),
          attributes.get(concepts.get(order[1]).id()), attributes.get(concepts.get(order[2]).id()),
          spec.temperature());
      int choice = sample(p, random.nextDouble());
      responses.add(new TripletResponse(NAME + ":" + responses.size(),
          List.of(concepts.get(order[0]).id(), concepts.get(order[1]).id(), concepts.get(order[2]).id()),
          choice, String.format("sim-%03d", trial[3])));
    }
    return responses;
  }

  /** Position i is the odd one out with probability proportional to exp(sim(other two) / T). */
  private static double[] softmaxOfPairs(double[] a, double[] b, double[] c, double temperature) {
    double[] logits = {dot(b, c) / temperature, dot(a, c) / temperature, dot(a, b) / temperature};
    double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
    double[] p = new double[3];
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      p[i] = StrictMath.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < 3; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private static int sample(double[] p, double u) {
    double cumulative = 0;
    for (int i = 0; i < p.length - 1; i++) {
      cumulative += p[i];
      if (u < cumulative) {
        return i;
      }
    }
    return p.length - 1;
  }

  /** Three distinct concepts forming a set not drawn before. */
  private static int[] drawNewTriplet(Random random, int n, Set<Long> drawn) {
    while (true) {
      int a = random.nextInt(n);
      int b = random.nextInt(n);
      int c = random.nextInt(n);
      if (a == b || a == c || b == c) {
        continue;
      }
      int[] sorted = {a, b, c};
      java.util.Arrays.sort(sorted);
      long key = ((long) sorted[0] * n + sorted[1]) * n + sorted[2];
      if (drawn.add(key)) {
        return new int[] {a, b, c};
      }
    }
  }

  private static int[] distinctSubjects(Random random, int subjects, int count) {
    int[] all = new int[subjects];
    for (int i = 0; i < subjects; i++) {
      all[i] = i;
    }
    shuffle(all, random);
    return java.util.Arrays.copyOf(all, count);
  }

  private static void shuffle(int[] values, Random random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
  }

  static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
