package io.alignstream.scorer.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.RegressionResult;
import io.alignstream.schema.Setting;
import java.util.List;

/**
 * A {@link RegressionResult} as REST ({@code /regressions}), the {@code regression} event and
 * the demo report show it (keys are a contract, see {@link ProbeView}); {@code source} as in
 * {@link MetricView} (absent in the report).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RegressionView(String setting, String model, String layer, Double noise, String conditioning,
    String pooling, String target, double meanR2, Double predictedOooa, List<Dimension> dimensions, int objects,
    long heldOutTriplets, long triplets, int inputObjects, int itemsReferenced, String inputsDigest, long updatedAt,
    @JsonInclude(JsonInclude.Include.NON_NULL) String source) {

  /** Held-out R^2 of one human dimension, with the alpha leave-one-out chose. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Dimension(int index, String label, double r2, double alpha) {}

  public static RegressionView of(RegressionResult r) {
    return of(r, null);
  }

  public static RegressionView of(RegressionResult r, String source) {
    Setting s = r.getSetting();
    List<Dimension> dimensions = r.getDimensions().stream()
        .map(d -> new Dimension(d.getDimension(), d.getLabel(), d.getR2(), d.getAlpha())).toList();
    return new RegressionView(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(),
        SettingKey.conditioning(s), s.getPooling(), r.getTarget(), r.getMeanR2(), r.getPredictedOooa(), dimensions, r.getObjects(),
        r.getHeldOutTriplets(), r.getTriplets(), r.getInputObjects(), r.getItemsReferenced(), r.getInputsDigest(),
        r.getUpdatedAt().toEpochMilli(), source);
  }
}
