package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ProbeFoldResult;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.Setting;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo's model comparison: each model's setting of highest zero-shot accuracy (ties: the first
 * in the demo's order), and that setting's probe over the held-out triplets of its folds pooled,
 * with Wilson intervals solved here from the score equation.
 */
class ModelComparisonTest {

  private static final Comparator<Setting> BY_KEY = Comparator.comparing(SettingKey::of);

  @Test
  void eachModelsBestSettingWithItsZeroShotAndPooledProbedAccuracy() throws Exception {
    Setting vitMean = pooled("vit", "encoder.ln", "mean");
    Setting vitCls = pooled("vit", "encoder.ln", "cls");
    Setting down1 = diffusion("tiny", "Down1");
    Setting mid = diffusion("tiny", "Mid");
    // tiny's two settings tie: the first in the order (Down1) is its best.
    Map<String, AlignmentMetric> metrics = Map.of(SettingKey.of(vitMean), metric(vitMean, 60, 120),
        SettingKey.of(vitCls), metric(vitCls, 72, 120), SettingKey.of(mid), metric(mid, 50, 120),
        SettingKey.of(down1), metric(down1, 50, 120));
    // folds: 7 of 10, 9 of 12, 4 of 8 held-out triplets right: 20 of 30
    ProbeResult probe = probe(vitCls, List.of(fold(10, 0.7), fold(12, 0.75), fold(8, 0.5)), 120);

    ModelComparison comparison = ModelComparison.of(new MetricsFollower.Snapshot(metrics,
        Map.of(SettingKey.of(vitCls), probe), Map.of()), BY_KEY);

    assertThat(comparison.bestBy()).isEqualTo("zero_shot_accuracy");
    assertThat(comparison.models()).extracting(ModelComparison.Row::setting)
        .containsExactly("tiny|Down1|0.2|NONE", "vit|encoder.ln|cls");
    ModelComparison.Row tiny = comparison.models().get(0);
    assertThat(tiny.settings()).isEqualTo(2);
    assertThat(tiny.label()).isEqualTo("s=0.2 NONE");
    assertThat(tiny.probed()).isNull();
    assertThat(tiny.probeLambda()).isNull();
    ModelComparison.Row vit = comparison.models().get(1);
    assertThat(vit.zeroShot().correct()).isEqualTo(72);
    assertThat(vit.zeroShot().total()).isEqualTo(120);
    assertThat(vit.probed().correct()).isEqualTo(20);
    assertThat(vit.probed().total()).isEqualTo(30);
    assertThat(vit.probed().accuracy()).isEqualTo(20.0 / 30);
    double[] expected = scoreEquationRoots(20, 30);
    assertThat(vit.probed().ciLow()).isCloseTo(expected[0], within(1e-12));
    assertThat(vit.probed().ciHigh()).isCloseTo(expected[1], within(1e-12));
    assertThat(vit.probeLambda()).isEqualTo(0.1);
    assertThat(vit.probeFinal()).isTrue();

    JsonNode json = new ObjectMapper().valueToTree(comparison);
    assertThat(json.get("best_by").asText()).isEqualTo("zero_shot_accuracy");
    JsonNode row = json.get("models").get(1);
    assertThat(row.get("pooling").asText()).isEqualTo("cls");
    assertThat(row.get("noise_level").isNull()).isTrue();
    assertThat(row.get("zero_shot").get("ci_low").asDouble()).isEqualTo(0.49);
    assertThat(row.get("probed").get("total").asLong()).isEqualTo(30);
    assertThat(json.get("models").get(0).get("probed").isNull()).isTrue();

    assertThat(comparison.table()).containsPattern("tiny +Down1 +s=0.2 NONE +0\\.4167 +\\[0\\.4900, 0\\.5100\\] +- +-")
        .containsPattern(String.format(java.util.Locale.ROOT,
            "vit +encoder\\.ln +pool cls +0\\.6000 +\\[0\\.4900, 0\\.5100\\] +0\\.6667 +\\[%.4f, %.4f\\] +30",
            expected[0], expected[1]));
  }

  @Test
  void aProbeOverFewerTripletsThanTheSettingHasIsMarkedPartial() {
    Setting s = pooled("vit", "heads", "none");
    ProbeResult early = probe(s, List.of(fold(5, 0.6), fold(5, 0.6), fold(5, 0.6)), 90);

    ModelComparison comparison = ModelComparison.of(new MetricsFollower.Snapshot(
        Map.of(SettingKey.of(s), metric(s, 60, 120)), Map.of(SettingKey.of(s), early), Map.of()), BY_KEY);

    assertThat(comparison.models().get(0).probeFinal()).isFalse();
    assertThat(comparison.table()).contains("0.6000*");
  }

  /** The Wilson bounds as the roots of (k/n - p)^2 = z^2 p (1 - p) / n. */
  private static double[] scoreEquationRoots(long k, long n) {
    double z2 = 1.959963984540054 * 1.959963984540054;
    double phat = (double) k / n;
    double a = 1 + z2 / n;
    double b = -(2 * phat + z2 / n);
    double c = phat * phat;
    double root = Math.sqrt(b * b - 4 * a * c);
    return new double[] {(-b - root) / (2 * a), (-b + root) / (2 * a)};
  }

  private static Setting pooled(String model, String layer, String pooling) {
    return Setting.newBuilder().setModelId(model).setLayer(layer).setPooling(pooling).build();
  }

  private static Setting diffusion(String model, String layer) {
    return Setting.newBuilder().setModelId(model).setLayer(layer).setNoiseLevel(0.2).setTimestep(191)
        .setConditioning(Conditioning.NONE).build();
  }

  private static AlignmentMetric metric(Setting setting, long correct, long total) {
    return AlignmentMetric.newBuilder().setSetting(setting).setCorrect(correct).setTotal(total)
        .setAccuracy((double) correct / total).setCiLow(0.49).setCiHigh(0.51).setItemsEmbedded(40)
        .setItemsReferenced(40).setUpdatedAt(Instant.EPOCH).build();
  }

  private static ProbeFoldResult fold(long testTriplets, double accuracy) {
    return ProbeFoldResult.newBuilder().setFold(0).setTrainTriplets(50).setTestTriplets(testTriplets)
        .setProbeAccuracy(accuracy).setZeroShotAccuracy(0.5).setCrossEntropy(1).setEpochs(3).build();
  }

  private static ProbeResult probe(Setting setting, List<ProbeFoldResult> folds, long triplets) {
    return ProbeResult.newBuilder().setSetting(setting).setFolds(folds.size()).setFoldAccuracies(List.of())
        .setMeanAccuracy(0.6).setLambda(0.1).setHeldOutTriplets(30).setObjects(40).setEpochs(3)
        .setUpdatedAt(Instant.EPOCH).setFoldResults(folds).setTriplets(triplets).setItemsReferenced(40).build();
  }
}
