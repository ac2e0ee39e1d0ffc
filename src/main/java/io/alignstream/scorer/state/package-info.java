/**
 * The scoring state of one task, free of Kafka:
 * {@link io.alignstream.scorer.state.ScoringState} keeps every triplet
 * ({@code TripletIndex}), every setting's vectors ({@code VectorMatrix}) and the running counts,
 * updated incrementally; {@link io.alignstream.scorer.state.OddOneOut} and
 * {@link io.alignstream.scorer.state.Similarity} are the rule and the measure it scores with;
 * {@link io.alignstream.scorer.state.AlignmentMetrics} turns counts into published metrics and
 * {@link io.alignstream.scorer.state.AnalysisInputs} copies a setting out for a probe or
 * regression. Depends on {@code ceiling} only (the triplets keep their noise ceiling current).
 */
package io.alignstream.scorer.state;
