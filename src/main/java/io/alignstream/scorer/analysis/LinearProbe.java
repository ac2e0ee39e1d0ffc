package io.alignstream.scorer.analysis;

import java.util.function.BooleanSupplier;

/** Linear probe on odd-one-out triplets (Muttenthaler et al. 2023). */
public final class LinearProbe {

  private LinearProbe() {}

  public static ProbeReport run(float[][] features, int[][] triplets, ProbeConfig config) {
    return run(features, triplets, config, () -> false);
  }

  /** As {@link #run(float[][], int[][], ProbeConfig)}; throws CancellationException once {@code cancelled} says so. */
  public static ProbeReport run(float[][] features, int[][] triplets, ProbeConfig config, BooleanSupplier cancelled) {
    throw new UnsupportedOperationException("linear probe: body lands in the next commit");
  }
}
