package io.alignstream.scorer.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.alignstream.common.SettingKey;
import io.alignstream.common.WilsonInterval;
import io.alignstream.schema.ProbeFoldResult;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.Setting;
import java.util.List;

/**
 * A {@link ProbeResult} as REST ({@code /probes}), the {@code probe} event and the demo report
 * show it (the keys are a contract with the dashboard and report readers). {@code objects},
 * {@code triplets} and {@code items_referenced} are the inputs it was computed from: a result
 * with {@code objects < items_referenced}, or fewer triplets than the setting's metric has
 * scored, is partial. {@code ci_low} and {@code ci_high} are the Wilson 95% interval of the
 * probed accuracy over the {@code held_out_triplets} of every fold pooled (null without folds).
 * {@code source}: where a REST answer came from, as in {@link MetricView} (absent in the report).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ProbeView(String setting, String model, String layer, Double noise, String conditioning, String pooling,
    double lambda, double meanProbeAccuracy, Double ciLow, Double ciHigh, long heldOutTriplets,
    Double meanZeroShotAccuracy, List<Fold> folds, int objects, long triplets, int itemsReferenced,
    String inputsDigest, long updatedAt, @JsonInclude(JsonInclude.Include.NON_NULL) String source) {

  /** One cross-validation fold at the chosen lambda. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Fold(int fold, long trainTriplets, long testTriplets, double probeAccuracy, double zeroShotAccuracy,
      double crossEntropy, int epochs) {}

  public static ProbeView of(ProbeResult r) {
    return of(r, null);
  }

  public static ProbeView of(ProbeResult r, String source) {
    Setting s = r.getSetting();
    List<Fold> folds = r.getFoldResults().stream().map((ProbeFoldResult f) -> new Fold(f.getFold(),
        f.getTrainTriplets(), f.getTestTriplets(), f.getProbeAccuracy(), f.getZeroShotAccuracy(), f.getCrossEntropy(),
        f.getEpochs())).toList();
    WilsonInterval interval = WilsonInterval.pooled(folds.stream().mapToLong(Fold::testTriplets).toArray(),
        folds.stream().mapToDouble(Fold::probeAccuracy).toArray());
    return new ProbeView(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(), SettingKey.conditioning(s),
        s.getPooling(), r.getLambda(), r.getMeanAccuracy(), folds.isEmpty() ? null : interval.low(),
        folds.isEmpty() ? null : interval.high(), folds.stream().mapToLong(Fold::testTriplets).sum(),
        r.getMeanZeroShotAccuracy(), folds, r.getObjects(), r.getTriplets(), r.getItemsReferenced(), r.getInputsDigest(),
        r.getUpdatedAt().toEpochMilli(), source);
  }
}
