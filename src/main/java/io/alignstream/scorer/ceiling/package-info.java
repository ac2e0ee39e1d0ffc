/**
 * The noise ceiling: how consistently people answer repeated triplets
 * ({@link io.alignstream.scorer.ceiling.NoiseCeiling}, kept as exact integer sums), where the
 * ceiling in force comes from ({@link io.alignstream.scorer.ceiling.CeilingConfig}: streamed
 * repeats, a dedicated file or a documented constant) and how {@code /ceiling} shows it
 * ({@link io.alignstream.scorer.ceiling.CeilingView}). The bottom of the scorer: it depends on
 * no other scorer package (the producer's file readers only).
 */
package io.alignstream.scorer.ceiling;
