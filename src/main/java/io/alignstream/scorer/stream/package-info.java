/**
 * The scorer as a Kafka Streams application: {@link io.alignstream.scorer.stream.ScorerTopology}
 * draws the graph top to bottom; decoders turn consumed bytes into
 * {@link io.alignstream.scorer.stream.ScorerInput} or dead letters; the scoring task
 * ({@code ScoringProcessor}) applies them to a {@code state.ScoringState}, keeps the inputs in
 * changelogged stores ({@code StateSerdes}) and emits
 * {@link io.alignstream.scorer.stream.ScorerOutput}; readiness and meters watch the running
 * streams. Depends on {@code config}, {@code jobs}, {@code state} and {@code ceiling}.
 */
package io.alignstream.scorer.stream;
