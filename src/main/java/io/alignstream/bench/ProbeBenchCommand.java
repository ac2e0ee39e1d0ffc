package io.alignstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.producer.FeatureMatrix;
import io.alignstream.producer.NpyReader;
import io.alignstream.scorer.analysis.DimensionRegression;
import io.alignstream.scorer.analysis.LinearProbe;
import io.alignstream.scorer.analysis.ProbeConfig;
import io.alignstream.scorer.analysis.ProbeFold;
import io.alignstream.scorer.analysis.ProbeReport;
import io.alignstream.scorer.analysis.RegressionConfig;
import io.alignstream.scorer.analysis.RegressionReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code alignstream bench probe}: wall time of the linear probe (whole lambda grid, and one
 * lambda) and of the ridge regression onto human dimensions, for 1854 objects and the 146,168
 * THINGS triplets at several feature dimensions. Features of dimension d are the VICE embedding
 * (42 human dimensions; random Gaussian stand-ins when the file is missing) through a seeded
 * random 42 x d Gaussian map plus Gaussian noise at half the signal's standard deviation, so that
 * the probe has something to learn and early stopping behaves as on real layers; the regression's
 * targets are the VICE dimensions. One JSON line per case on stdout.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
    description = "Benchmark the linear probe (full lambda grid, one lambda) and the dimension regression.")
public final class ProbeBenchCommand implements Callable<Integer> {

  @Option(names = "--triplets", defaultValue = "../shared/data/triplets/things_behavior_triplets_test10.txt",
      description = "Triplet file (i j k, last = odd one); random triplets when it is missing (default: ${DEFAULT-VALUE}).")
  Path tripletFile;

  @Option(names = "--vice", defaultValue = "../shared/data/embeddings/vice_things_final_embedding_1854x42.npy",
      description = "Human embedding (.npy) behind the features and the regression targets; random when missing"
          + " (default: ${DEFAULT-VALUE}).")
  Path viceFile;

  @Option(names = "--dims", defaultValue = "42,320,1280", split = ",",
      description = "Feature dimensions (default: ${DEFAULT-VALUE}).")
  List<Integer> dims;

  @Option(names = "--cases", defaultValue = "regression,single,grid", split = ",",
      description = "grid (probe, every lambda of --lambdas), single (probe, --single-lambda), regression"
          + " (default: ${DEFAULT-VALUE}).")
  List<String> cases;

  @Option(names = "--lambdas", defaultValue = "1,1e-1,1e-2,1e-3,1e-4,1e-5", split = ",",
      description = "The grid case's lambdas (default: ${DEFAULT-VALUE}).")
  double[] lambdas;

  @Option(names = "--single-lambda", defaultValue = "0.1",
      description = "The single case's lambda, the seed paper's (default: ${DEFAULT-VALUE}).")
  double singleLambda;

  @Option(names = "--max-epochs", defaultValue = "100", description = "Probe epoch limit (default: ${DEFAULT-VALUE}).")
  int maxEpochs;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the feature map and noise (default: ${DEFAULT-VALUE}).")
  long seed;

  private final ObjectMapper json = new ObjectMapper();
  /** Process CPU time (all threads, PyTorch's included): on a shared machine, the honest measure of work done. */
  private final com.sun.management.OperatingSystemMXBean cpu =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  @Override
  public Integer call() throws Exception {
    for (String c : cases) {
      if (!List.of("grid", "single", "regression").contains(c)) {
        throw new IllegalArgumentException("bench probe: unknown case '" + c + "' (grid, single, regression)");
      }
    }
    BenchData data = BenchData.load(tripletFile, null, 1854, 146_168, seed);
    int[][] triplets = new int[data.triplets()][];
    for (int t = 0; t < triplets.length; t++) {
      triplets[t] = new int[] {data.a[t], data.b[t], data.c[t]};
    }
    float[][] human = human(data.items.size());
    for (int dim : dims) {
      float[][] features = features(human, dim);
      for (String c : cases) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("bench", "probe");
        line.put("case", c);
        line.put("dim", dim);
        line.put("objects", features.length);
        line.put("triplets", triplets.length);
        line.put("triplet_source", data.source);
        line.put("human_source", Files.isRegularFile(viceFile) ? viceFile.getFileName().toString() : "random");
        line.put("cores", Runtime.getRuntime().availableProcessors());
        long start = System.nanoTime();
        long cpuStart = cpu.getProcessCpuTime();
        if (c.equals("regression")) {
          RegressionReport report = DimensionRegression.run(features, human, null, triplets, RegressionConfig.defaults());
          line.put("seconds", (System.nanoTime() - start) / 1e9);
          line.put("cpu_seconds", (cpu.getProcessCpuTime() - cpuStart) / 1e9);
          line.put("mean_r2", report.meanR2());
          line.put("predicted_oooa", report.predictedOooa());
          line.put("held_out_triplets", report.heldOutTriplets());
        } else {
          ProbeConfig config = ProbeConfig.defaults().withMaxEpochs(maxEpochs)
              .withLambdas(c.equals("grid") ? lambdas : new double[] {singleLambda});
          ProbeReport report = LinearProbe.run(features, triplets, config);
          double seconds = (System.nanoTime() - start) / 1e9;
          double cpuSeconds = (cpu.getProcessCpuTime() - cpuStart) / 1e9;
          int epochs = report.folds().stream().mapToInt(ProbeFold::epochs).sum();
          line.put("seconds", seconds);
          line.put("cpu_seconds", cpuSeconds);
          line.put("lambdas", config.lambdas());
          line.put("lambda", report.lambda());
          line.put("chosen_lambda_epochs", report.folds().stream().map(ProbeFold::epochs).toList());
          if (c.equals("single")) {
            line.put("seconds_per_epoch", seconds / epochs);
            line.put("cpu_seconds_per_epoch", cpuSeconds / epochs);
          }
          line.put("mean_probe_accuracy", report.meanProbeAccuracy());
          line.put("mean_zero_shot_accuracy", report.meanZeroShotAccuracy());
        }
        System.out.println(json.writeValueAsString(line));
      }
    }
    return 0;
  }

  private float[][] human(int objects) {
    if (Files.isRegularFile(viceFile)) {
      FeatureMatrix vice = NpyReader.read(viceFile);
      if (vice.rows() < objects) {
        throw new IllegalArgumentException("bench probe: " + viceFile + " has " + vice.rows()
            + " rows, the triplets refer to " + objects + " objects");
      }
      float[][] rows = new float[objects][];
      for (int i = 0; i < objects; i++) {
        rows[i] = Arrays.copyOfRange(vice.values(), i * vice.columns(), (i + 1) * vice.columns());
      }
      return rows;
    }
    Random random = new Random(seed);
    float[][] rows = new float[objects][42];
    for (float[] row : rows) {
      for (int k = 0; k < row.length; k++) {
        row[k] = (float) Math.abs(random.nextGaussian());
      }
    }
    return rows;
  }

  private float[][] features(float[][] human, int dim) {
    int k = human[0].length;
    Random random = new Random(seed * 31 + dim);
    double[][] map = new double[k][dim];
    for (double[] row : map) {
      for (int j = 0; j < dim; j++) {
        row[j] = random.nextGaussian() / Math.sqrt(k);
      }
    }
    double[][] signal = new double[human.length][dim];
    double squares = 0;
    for (int i = 0; i < human.length; i++) {
      for (int c = 0; c < k; c++) {
        for (int j = 0; j < dim; j++) {
          signal[i][j] += human[i][c] * map[c][j];
        }
      }
      for (double v : signal[i]) {
        squares += v * v;
      }
    }
    double noise = 0.5 * Math.sqrt(squares / ((double) human.length * dim));
    float[][] features = new float[human.length][dim];
    for (int i = 0; i < human.length; i++) {
      for (int j = 0; j < dim; j++) {
        features[i][j] = (float) (signal[i][j] + noise * random.nextGaussian());
      }
    }
    return features;
  }
}
