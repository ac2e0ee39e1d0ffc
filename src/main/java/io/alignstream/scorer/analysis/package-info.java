/**
 * The analysis engines, free of Kafka and of the scorer's state: the linear probe
 * ({@link io.alignstream.scorer.analysis.LinearProbe}) and the ridge regression of human
 * dimensions ({@link io.alignstream.scorer.analysis.DimensionRegression}), deterministic given
 * their inputs and recipe. Depends on {@code state} for the odd-one-out rule only.
 */
package io.alignstream.scorer.analysis;
