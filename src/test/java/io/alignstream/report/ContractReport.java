package io.alignstream.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Random;

/**
 * A report JSON written by hand to the contract of docs/architecture.md (settings, probes,
 * regressions, noise_ceiling), as the scorer's probing and regression jobs will publish it: two
 * models, nine layers, three noise levels, both conditionings, probes without a zero-shot value,
 * dimension labels that need CSV quoting, and a model with no probe or regression at all.
 */
public final class ContractReport {

  public static final List<String> LAYERS = List.of("Down0", "Down1", "Down2", "Down3", "Mid", "Up0", "Up1", "Up2", "Up3");
  public static final double[] NOISE = {0.01, 0.2, 0.5};
  public static final List<String> LABELS = List.of("animal-related", "food, drink", "\"colourful\"", "metallic");
  public static final double CEILING = 0.673;

  private ContractReport() {}

  public static ObjectNode build(long seed) {
    Random random = new Random(seed);
    ObjectNode report = new ObjectMapper().createObjectNode();
    report.put("dataset", "contract");
    ArrayNode settings = report.putArray("settings");
    ArrayNode probes = report.putArray("probes");
    ArrayNode regressions = report.putArray("regressions");
    for (String conditioning : List.of("NONE", "TEXT")) {
      for (double noise : NOISE) {
        for (int l = 0; l < LAYERS.size(); l++) {
          String setting = "sd21|" + LAYERS.get(l) + "|" + noise + "|" + conditioning;
          long total = 1000 + random.nextInt(500);
          long correct = (long) (total * (0.36 + 0.25 * random.nextDouble()));
          setting(settings, setting, correct, total)
              .put("normalized", ((double) correct / total - 1.0 / 3) / (CEILING - 1.0 / 3));
          ObjectNode probe = probes.addObject();
          probe.put("setting", setting);
          probe.put("lambda", 1e-3);
          probe.put("mean_probe_accuracy", 0.45 + 0.15 * random.nextDouble());
          if (l != 4) {
            probe.put("mean_zero_shot_accuracy", (double) correct / total);
          } else {
            probe.putNull("mean_zero_shot_accuracy");
          }
          probe.put("unknown_field_consumers_ignore", "x");
          ArrayNode folds = probe.putArray("folds");
          for (int f = 0; f < 3; f++) {
            ObjectNode fold = folds.addObject();
            fold.put("fold", f);
            fold.put("train_triplets", 40_000 + f);
            fold.put("test_triplets", 1_500 + f);
            fold.put("probe_accuracy", 0.5 + 0.01 * f);
            fold.put("zero_shot_accuracy", 0.4 + 0.01 * f);
            fold.put("cross_entropy", 0.9 - 0.01 * f);
            fold.put("epochs", 20 + f);
          }
          if (noise == 0.2) {
            ObjectNode regression = regressions.addObject();
            regression.put("setting", setting);
            regression.put("predicted_oooa", 0.5 + 0.1 * random.nextDouble());
            ArrayNode dimensions = regression.putArray("dimensions");
            double sum = 0;
            for (int d = 0; d < LABELS.size() + 1; d++) {
              double r2 = -0.1 + random.nextDouble();
              sum += r2;
              ObjectNode dimension = dimensions.addObject();
              dimension.put("index", d);
              if (d < LABELS.size()) {
                dimension.put("label", LABELS.get(d));
              } else {
                dimension.putNull("label");
              }
              dimension.put("r2", r2);
              dimension.put("alpha", Math.pow(10, d - 2));
            }
            regression.put("mean_r2", sum / dimensions.size());
          }
        }
      }
    }
    for (String layer : List.of("rgb16", "hist")) {
      setting(settings, "pixels|" + layer + "|0|NONE", 400, 1000);
    }
    ObjectNode ceiling = report.putObject("noise_ceiling");
    ceiling.put("value", CEILING);
    ceiling.put("ci_low", 0.66);
    ceiling.put("ci_high", 0.686);
    ceiling.put("repeated_triplets", 1000);
    ceiling.put("responses", 25_000);
    ceiling.put("source", "Hebart et al. 2020");
    return report;
  }

  /** Layers of the pooled vision model of {@link #withVisionModel}, in the order the figures show them. */
  public static final List<String> VISION_LAYERS = List.of("encoder.layer.2", "encoder.layer.11", "encoder.ln");

  /**
   * Adds a vision model {@code vit} as a TorchScript or ONNX extractor reports it: pooled settings
   * (model, layer, pooling: no noise level, no conditioning), two poolings per layer, each probed;
   * its layers arrive out of network order.
   */
  public static ObjectNode withVisionModel(ObjectNode report, long seed) {
    Random random = new Random(seed);
    for (String layer : List.of("encoder.ln", "encoder.layer.11", "encoder.layer.2")) {
      for (String pooling : List.of("mean", "cls")) {
        String setting = "vit|" + layer + "|" + pooling;
        long total = 900 + random.nextInt(300);
        setting((ArrayNode) report.get("settings"), setting, (long) (total * (0.4 + 0.2 * random.nextDouble())), total);
        ObjectNode probe = ((ArrayNode) report.get("probes")).addObject();
        probe.put("setting", setting);
        probe.put("lambda", 0.01);
        ArrayNode folds = probe.putArray("folds");
        double probed = 0;
        double zeroShot = 0;
        for (int f = 0; f < 3; f++) {
          long test = 300 + 10 * f;
          long probeCorrect = (long) (test * (0.5 + 0.1 * random.nextDouble()));
          long zeroShotCorrect = (long) (test * (0.4 + 0.1 * random.nextDouble()));
          ObjectNode fold = folds.addObject();
          fold.put("fold", f);
          fold.put("train_triplets", 5000);
          fold.put("test_triplets", test);
          fold.put("probe_accuracy", (double) probeCorrect / test);
          fold.put("zero_shot_accuracy", (double) zeroShotCorrect / test);
          fold.put("cross_entropy", 1.0);
          fold.put("epochs", 10);
          probed += (double) probeCorrect / test / 3;
          zeroShot += (double) zeroShotCorrect / test / 3;
        }
        probe.put("mean_probe_accuracy", probed);
        probe.put("mean_zero_shot_accuracy", zeroShot);
      }
    }
    return report;
  }

  /** A scored setting as the contract has it: counts, accuracy and interval, no normalized value. */
  private static ObjectNode setting(ArrayNode settings, String setting, long correct, long total) {
    double[] ci = wilson(correct, total);
    ObjectNode row = settings.addObject();
    row.put("setting", setting);
    row.put("correct", correct);
    row.put("total", total);
    row.put("accuracy", (double) correct / total);
    row.put("ci_low", ci[0]);
    row.put("ci_high", ci[1]);
    row.putNull("normalized");
    row.put("coverage", 1.0);
    return row;
  }

  /** Wilson 95% score interval, written out here independently of the scorer's. */
  static double[] wilson(long k, long n) {
    double z = 1.959963984540054;
    double p = (double) k / n;
    double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    double half = z / (1 + z * z / n) * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));
    return new double[] {centre - half, centre + half};
  }
}
