package io.alignstream.scorer;

import java.util.OptionalDouble;

/**
 * The triplet side of a task's state, published for {@code /ceiling}: how many responses are
 * known, the items they name, and the noise ceiling with the integer sums it comes from
 * (agreements in sixths, see {@link NoiseCeiling}).
 */
record TripletSummary(long triplets, int itemsReferenced, long repeatedGroups, long repeatedResponses,
    long agreementSixths, long leaveOneOutSixths) {

  static TripletSummary of(ScoringState state) {
    NoiseCeiling ceiling = state.noiseCeiling();
    return new TripletSummary(state.tripletCount(), state.referencedItems(), ceiling.repeatedGroups(),
        ceiling.repeatedResponses(), ceiling.agreementSixths(), ceiling.leaveOneOutSixths());
  }

  OptionalDouble ceiling() {
    return repeatedResponses == 0 ? OptionalDouble.empty() : OptionalDouble.of(agreementSixths / 6.0 / repeatedResponses);
  }

  OptionalDouble leaveOneOutCeiling() {
    return repeatedResponses == 0 ? OptionalDouble.empty()
        : OptionalDouble.of(leaveOneOutSixths / 6.0 / repeatedResponses);
  }
}
