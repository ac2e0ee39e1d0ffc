/**
 * The scorer: {@link io.alignstream.scorer.ScoreCommand} ({@code alignstream score}) runs a
 * {@link io.alignstream.scorer.ScorerService}, which wires the parts below into one Kafka Streams
 * application with its HTTP surface; {@link io.alignstream.scorer.InProcessScorer} is the same
 * scoring without Kafka.
 *
 * <p>The parts, each depending only on those listed after it:
 * <ul>
 *   <li>{@code http}: REST, Server-Sent Events and the dashboard, answered from the stores;
 *   <li>{@code stream}: the topology ({@code ScorerTopology} draws it), its decoders, scoring
 *       task and serdes;
 *   <li>{@code config}: {@code ScorerConfig}, the grouped configuration every part reads;
 *   <li>{@code jobs}: when probes and regressions run, on which threads, and what they publish;
 *   <li>{@code analysis}: the probe and regression engines;
 *   <li>{@code state}: the scoring state free of Kafka and the metric built from its counts;
 *   <li>{@code ceiling}: the noise ceiling, its configuration and how it is shown.
 * </ul>
 * This package sits on top: nothing below reads it.
 */
package io.alignstream.scorer;
