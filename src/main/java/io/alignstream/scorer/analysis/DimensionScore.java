package io.alignstream.scorer.analysis;

/**
 * Held-out R^2 of one human dimension (mean over the outer folds) and the alpha chosen most often
 * for it (the smallest among equally frequent ones).
 *
 * @param label the dimension's name, or null when no labels were given
 */
public record DimensionScore(int index, String label, double r2, double alpha) {}
