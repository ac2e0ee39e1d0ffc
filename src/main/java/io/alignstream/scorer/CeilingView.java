package io.alignstream.scorer;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The noise ceiling as {@code /ceiling} shows it, with what it was computed from. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CeilingView(long triplets, int itemsReferenced, long repeatedGroups, long repeatedResponses,
    Double noiseCeiling, Double noiseCeilingLoo, double chance) {

  static CeilingView of(TripletSummary s) {
    return new CeilingView(s.triplets(), s.itemsReferenced(), s.repeatedGroups(), s.repeatedResponses(),
        s.ceiling().isPresent() ? s.ceiling().getAsDouble() : null,
        s.leaveOneOutCeiling().isPresent() ? s.leaveOneOutCeiling().getAsDouble() : null,
        AlignmentMetrics.CHANCE);
  }
}
