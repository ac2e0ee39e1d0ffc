package io.alignstream.scorer.ceiling;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The noise ceiling as {@code /ceiling}, the {@code ceiling} event and the demo report show it:
 * the value in force (null when unavailable, with the reason), its 95% interval and support,
 * and its source; then what the streamed triplets are.
 *
 * @param value the ceiling normalized scores use; null when there is none with enough support
 * @param ciLow lower end of its 95% interval (null for a constant or fewer than two repeated triplets)
 * @param ciHigh upper end
 * @param repeatedTriplets triplets (the same three items) answered at least twice; null for a constant
 * @param responses responses to those triplets; null for a constant
 * @param source where the value comes from
 * @param leaveOneOut agreement with the majority of the other responses (same support rule)
 * @param minRepeatedTriplets support a measured ceiling needs
 * @param unavailable why {@code value} is null, or null
 * @param triplets responses streamed so far
 * @param itemsReferenced items they name
 * @param noiseCeiling same as value (the field earlier versions served)
 * @param noiseCeilingLoo same as leaveOneOut (likewise)
 * @param chance 1/3
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CeilingView(Double value, Double ciLow, Double ciHigh, Long repeatedTriplets, Long responses,
    String source, Double leaveOneOut, int minRepeatedTriplets, String unavailable,
    long triplets, int itemsReferenced, Double noiseCeiling, Double noiseCeilingLoo, double chance) {

  /**
   * Accuracy of an odd-one-out choice made at random, one in three: a ceiling must lie above it,
   * and normalized accuracies are measured from it.
   */
  public static final double CHANCE = 1.0 / 3.0;

  static CeilingView constant(double value, String source, TripletSummary streamed) {
    return new CeilingView(value, null, null, null, null, source, null, 0, null,
        streamed.triplets(), streamed.itemsReferenced(), value, null, CHANCE);
  }

  static CeilingView measured(CeilingSums sums, String source, int minRepeated, TripletSummary streamed) {
    if (sums.repeatedTriplets() < minRepeated) {
      String reason = sums.repeatedTriplets() + " repeated triplet" + (sums.repeatedTriplets() == 1 ? "" : "s")
          + " (" + sums.responses() + " responses); at least " + minRepeated + " are needed";
      return new CeilingView(null, null, null, sums.repeatedTriplets(), sums.responses(), source, null, minRepeated,
          reason, streamed.triplets(), streamed.itemsReferenced(), null, null, CHANCE);
    }
    double value = sums.ceiling().getAsDouble();
    double loo = sums.leaveOneOutCeiling().getAsDouble();
    double[] interval = sums.interval();
    return new CeilingView(value, interval == null ? null : interval[0], interval == null ? null : interval[1],
        sums.repeatedTriplets(), sums.responses(), source, loo, minRepeated, null, streamed.triplets(),
        streamed.itemsReferenced(), value, loo, CHANCE);
  }
}
