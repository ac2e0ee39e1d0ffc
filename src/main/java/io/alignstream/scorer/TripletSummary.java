package io.alignstream.scorer;

/**
 * The triplet side of a task's state, published for {@code /ceiling}: how many responses are
 * known, the items they name, and the sums the noise ceiling of the streamed responses comes
 * from (see {@link CeilingSums}).
 */
record TripletSummary(long triplets, int itemsReferenced, CeilingSums ceiling) {

  static TripletSummary of(ScoringState state) {
    return new TripletSummary(state.tripletCount(), state.referencedItems(), state.noiseCeiling().sums());
  }
}
