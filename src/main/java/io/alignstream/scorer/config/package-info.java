/**
 * {@link io.alignstream.scorer.config.ScorerConfig}: everything the scorer is configured with,
 * as groups that each check their own fields. It names the configuration records of the parts
 * ({@code ceiling.CeilingConfig}, {@code jobs.AnalysisConfig}, {@code state.Similarity}), so it
 * may depend on {@code ceiling}, {@code state} and {@code jobs}; {@code stream} and the top
 * package read it.
 */
package io.alignstream.scorer.config;
