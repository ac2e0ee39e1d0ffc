package io.alignstream.scorer.ceiling;

/**
 * The triplet side of a task's state, published for {@code /ceiling}: how many responses are
 * known, the items they name, and the sums the noise ceiling of the streamed responses comes
 * from (see {@link CeilingSums}).
 */
public record TripletSummary(long triplets, int itemsReferenced, CeilingSums ceiling) {}
