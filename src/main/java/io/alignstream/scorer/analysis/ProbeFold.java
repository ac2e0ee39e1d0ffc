package io.alignstream.scorer.analysis;

/**
 * One cross-validation fold of the chosen lambda: triplet counts, held-out accuracy of the probe
 * and of the raw features (zero-shot, cosine similarity), the probe's held-out cross-entropy and
 * the epochs it trained.
 */
public record ProbeFold(int fold, int trainTriplets, int testTriplets, double probeAccuracy,
    double zeroShotAccuracy, double crossEntropy, int epochs) {}
