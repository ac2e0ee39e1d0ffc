package io.alignstream.scorer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.analysis.DimensionRegression;
import io.alignstream.scorer.analysis.LinearProbe;
import io.alignstream.scorer.analysis.ProbeConfig;
import io.alignstream.scorer.analysis.ProbeReport;
import io.alignstream.scorer.analysis.RegressionReport;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.jobs.AnalysisJobsTest;
import io.alignstream.scorer.jobs.HumanTargets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/**
 * Probe and regression jobs of the scoring topology (TopologyTestDriver, real engines, small
 * synthetic data): when they run, that they publish what the engines compute from the
 * setting's inputs, and that arrival order does not change what is published.
 */
class ScorerAnalysisTest {

  /** A short probe recipe: the jobs are what is tested here, not the recipe. */
  static final ProbeConfig PROBE = new ProbeConfig(new double[] {1e-3}, 3, 0, 1e-2, 64, 8, 2, 2, 1e-4, 1, 1e-3, 1e-3);
  private static final int[] DIMS = {6};
  private static final Duration QUIET = Duration.ofSeconds(2);

  private static ScorerConfig config(HumanTargets targets, double threshold, double step, Duration quiet) {
    AnalysisConfig analysis = AnalysisConfig.defaults().withProbe(PROBE).withCoverage(threshold, step).withQuiet(quiet);
    return ScorerOrderTest.CONFIG.withAnalysis(targets == null ? analysis : analysis.withTargets(targets));
  }

  /** Targets: a fixed random linear map of the setting's vectors plus noise, 3 dimensions, labelled. */
  static HumanTargets targets(SyntheticData data) {
    Random random = new Random(99);
    String key = data.settings.keySet().iterator().next();
    Map<String, double[]> rows = new HashMap<>();
    double[][] map = new double[DIMS[0]][3];
    for (double[] row : map) {
      for (int j = 0; j < 3; j++) {
        row[j] = random.nextGaussian();
      }
    }
    data.vectors.get(key).forEach((item, v) -> {
      double[] t = new double[3];
      for (int j = 0; j < 3; j++) {
        for (int d = 0; d < v.length; d++) {
          t[j] += v[d] * map[d][j];
        }
        t[j] += 0.1 * random.nextGaussian();
      }
      rows.put(item, t);
    });
    return HumanTargets.of("test-targets", rows, List.of("red", "round", "soft"));
  }

  /**
   * Lets wall-clock time pass in steps and the job threads finish, until nothing is pending and a
   * last tick published what they computed.
   */
  static void settle(ScorerHarness harness, Duration step) throws InterruptedException {
    for (int round = 0; round < 20; round++) {
      harness.advanceWallClock(step);
      if (harness.analyses.pending() == 0) {
        harness.advanceWallClock(step);
        if (harness.analyses.pending() == 0) {
          return;
        }
      }
      AnalysisJobsTest.waitIdle(harness.analyses);
    }
  }

  @Test
  void theFinalInputsArePublishedOnceEveryObjectIsEmbeddedAndTheInputsAreQuiet() throws Exception {
    SyntheticData data = SyntheticData.generate(41, 36, 1400, DIMS);
    String key = data.settings.keySet().iterator().next();
    HumanTargets targets = targets(data);
    List<LayerEmbedding> embeddings = data.embeddings();
    try (ScorerHarness harness = new ScorerHarness(config(targets, 1.0, 0.1, QUIET))) {
      data.triplets.forEach(t -> harness.pipe(t, 0));
      embeddings.subList(0, embeddings.size() - 1).forEach(e -> harness.pipe(e, 1));
      settle(harness, QUIET);
      assertThat(harness.drainProbes()).as("no probe below the coverage threshold (all)").isEmpty();

      harness.pipe(embeddings.get(embeddings.size() - 1), 2);
      harness.tick();
      assertThat(harness.analyses.pending()).as("not before the inputs are quiet").isZero();
      settle(harness, QUIET);

      List<KeyValue<String, ProbeResult>> probes = harness.drainProbes();
      List<KeyValue<String, RegressionResult>> regressions = harness.drainRegressions();
      assertThat(probes).hasSize(1);
      assertThat(regressions).hasSize(1);
      AlignmentMetric metric = harness.latestMetrics().get(key);
      ProbeResult probe = probes.get(0).value;
      assertThat(probes.get(0).key).isEqualTo(key);
      assertThat(probe.getTriplets()).isEqualTo(metric.getTotal()).isEqualTo(data.triplets.size());
      assertThat(probe.getObjects()).isEqualTo(metric.getItemsReferenced());
      assertThat(probe.getItemsReferenced()).isEqualTo(metric.getItemsReferenced());

      AnalysisReference reference = AnalysisReference.of(data, key);
      ProbeReport expected = LinearProbe.run(reference.features(), reference.triplets(), PROBE);
      assertThat(probe.getMeanAccuracy()).isEqualTo(expected.meanProbeAccuracy());
      assertThat(probe.getMeanZeroShotAccuracy()).isEqualTo(expected.meanZeroShotAccuracy());
      assertThat(probe.getLambda()).isEqualTo(1e-3);
      assertThat(probe.getFoldResults()).hasSize(3);
      for (int f = 0; f < 3; f++) {
        assertThat(probe.getFoldResults().get(f).getTestTriplets()).isEqualTo(expected.folds().get(f).testTriplets());
        assertThat(probe.getFoldResults().get(f).getCrossEntropy()).isEqualTo(expected.folds().get(f).crossEntropy());
      }

      float[][] values = reference.objects().stream().map(targets::row).toArray(float[][]::new);
      RegressionReport expectedFit = DimensionRegression.run(reference.features(), values, targets.labels(),
          reference.triplets(), AnalysisConfig.defaults().regression());
      RegressionResult regression = regressions.get(0).value;
      assertThat(regression.getMeanR2()).isEqualTo(expectedFit.meanR2());
      assertThat(regression.getPredictedOooa()).isEqualTo(expectedFit.predictedOooa());
      assertThat(regression.getDimensions()).hasSize(3);
      assertThat(regression.getDimensions().get(1).getLabel()).isEqualTo("round");
      assertThat(regression.getDimensions().get(1).getR2()).isEqualTo(expectedFit.dimensions().get(1).r2());
      assertThat(regression.getTarget()).isEqualTo("test-targets");
      assertThat(regression.getInputObjects()).isEqualTo(metric.getItemsReferenced());

      // The same vector again changes nothing; a new one is new inputs: a new result.
      harness.pipe(embeddings.get(0), 3);
      settle(harness, QUIET);
      assertThat(harness.drainProbes()).isEmpty();
      float[] changed = data.vectors.get(key).get(embeddings.get(0).getItemId()).clone();
      changed[0] += 1;
      harness.pipe(SyntheticData.embedding(embeddings.get(0).getSetting(), embeddings.get(0).getItemId(), changed), 4);
      settle(harness, QUIET);
      List<KeyValue<String, ProbeResult>> again = harness.drainProbes();
      assertThat(again).hasSize(1);
      assertThat(again.get(0).value.getInputsDigest()).isNotEqualTo(probe.getInputsDigest());
    }
  }

  @Test
  void partialResultsFromTheThresholdOnAndAgainAfterEachStep() throws Exception {
    SyntheticData data = SyntheticData.generate(43, 36, 1400, DIMS);
    String key = data.settings.keySet().iterator().next();
    List<LayerEmbedding> embeddings = data.embeddings();
    Duration never = Duration.ofHours(1);
    try (ScorerHarness harness = new ScorerHarness(config(null, 0.5, 0.25, never))) {
      data.triplets.forEach(t -> harness.pipe(t, 0));
      List<double[]> seen = new ArrayList<>(); // coverage and triplets of each probe, in order
      for (LayerEmbedding e : embeddings) {
        harness.pipe(e, 1);
        settle(harness, Duration.ofMillis(500));
        AlignmentMetric metric = harness.latestMetrics().get(key);
        for (KeyValue<String, ProbeResult> probe : harness.drainProbes()) {
          ProbeResult p = probe.value;
          assertThat(p.getTriplets()).as("computed from the inputs of this moment").isEqualTo(metric.getTotal());
          seen.add(new double[] {(double) p.getObjects() / p.getItemsReferenced(), p.getTriplets()});
        }
      }
      assertThat(seen).isNotEmpty();
      assertThat(seen.get(0)[0]).as("first at the threshold").isGreaterThanOrEqualTo(0.5).isLessThan(0.5 + 1.0 / 30);
      for (int i = 1; i < seen.size(); i++) {
        boolean grew = seen.get(i)[0] - seen.get(i - 1)[0] >= 0.25 || seen.get(i)[1] >= seen.get(i - 1)[1] * 1.25;
        assertThat(grew).as("probe %d grew by the step since probe %d", i, i - 1).isTrue();
      }
      assertThat(seen.size()).as("a bounded number of partial results").isLessThan(embeddings.size() / 2);
    }
  }

  @Test
  void anyArrivalOrderPublishesTheSameResults() throws Exception {
    SyntheticData data = SyntheticData.generate(47, 36, 1400, DIMS);
    HumanTargets targets = targets(data);
    List<Object> tripletsFirst = new ArrayList<>(data.triplets);
    tripletsFirst.addAll(data.embeddings());
    List<Object> shuffled = new ArrayList<>(tripletsFirst);
    Collections.shuffle(shuffled, new Random(47));
    shuffled.addAll(data.triplets.subList(0, 50)); // re-sent: no change

    List<Object> results = new ArrayList<>();
    for (List<Object> order : List.of(tripletsFirst, shuffled)) {
      try (ScorerHarness harness = new ScorerHarness(config(targets, 1.0, 0.1, QUIET))) {
        long time = 0;
        for (Object input : order) {
          if (input instanceof TripletJudgment t) {
            harness.pipe(t, time++);
          } else {
            harness.pipe((LayerEmbedding) input, time++);
          }
        }
        settle(harness, QUIET);
        List<KeyValue<String, ProbeResult>> probes = harness.drainProbes();
        List<KeyValue<String, RegressionResult>> regressions = harness.drainRegressions();
        assertThat(probes).hasSize(1);
        assertThat(regressions).hasSize(1);
        // updated_at is the stream time of the last change, which depends on the order by design.
        probes.get(0).value.setUpdatedAt(java.time.Instant.EPOCH);
        regressions.get(0).value.setUpdatedAt(java.time.Instant.EPOCH);
        results.add(List.of(probes.get(0).value, regressions.get(0).value));
      }
    }
    assertThat(results.get(1)).isEqualTo(results.get(0));
  }

  @Test
  void everyRejectionEndsInTheOneDeadLetterSink() {
    TopologyDescription description = ScorerTopology.build(io.alignstream.common.Topics.withDefaultPrefix(), Map.of("schema.registry.url",
        "mock://unused"), ScorerOrderTest.CONFIG, null, 2, "test").describe();
    List<String> deadLetterSinks = new ArrayList<>();
    for (TopologyDescription.Subtopology sub : description.subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Sink sink && io.alignstream.common.Topics.withDefaultPrefix().deadletter().equals(sink.topic())) {
          deadLetterSinks.add(sink.name());
        }
      }
    }
    assertThat(deadLetterSinks).hasSize(1);
  }
}
