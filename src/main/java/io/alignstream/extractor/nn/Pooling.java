package io.alignstream.extractor.nn;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * How a tapped feature map [B, C, H, W] becomes what is recorded. Tensors that are not maps
 * (the time embeddings [T, C]) are recorded as they are whatever the pooling.
 */
public enum Pooling {
  /** Mean over positions: [B, C, H, W] -> [B, C] (the seed paper's pooling). */
  MEAN,
  /** Max over positions: [B, C, H, W] -> [B, C]. */
  MAX,
  /** Every value, channel-major as the map is laid out: [B, C, H, W] -> [B, C*H*W]. */
  FLATTEN,
  /** The full map: [B, C, H, W]. */
  NONE;

  /** Pools in the manager of {@code x}. */
  public NDArray apply(NDArray x) {
    if (x.getShape().dimension() != 4) {
      return x;
    }
    return switch (this) {
      case MEAN -> Ops.spatialMean(x); // [B, C, H, W] -> [B, C]
      case MAX -> x.max(new int[] {3}).max(new int[] {2}); // [B, C, H, W] -> [B, C, H] -> [B, C]
      case FLATTEN -> x.reshape(x.getShape().get(0), -1); // [B, C, H, W] -> [B, C*H*W]
      case NONE -> x; // [B, C, H, W]
    };
  }

  /**
   * Pools a transformer's token stream [B, N, D] over its tokens (in the manager of {@code x}); a
   * map [B, C, H, W] (the output) as {@link #apply} does; a vector [B, D] is kept as it is.
   */
  public NDArray applyTokens(NDArray x) {
    if (x.getShape().dimension() != 3) {
      return apply(x);
    }
    return switch (this) {
      case MEAN -> x.mean(new int[] {1}); // [B, N, D] -> [B, D]
      case MAX -> x.max(new int[] {1}); // [B, N, D] -> [B, D]
      case FLATTEN -> x.reshape(x.getShape().get(0), -1); // [B, N, D] -> [B, N*D], token-major
      case NONE -> x; // [B, N, D]
    };
  }

  /** Parses "mean" (also "default", "spatial_mean", "avg"), "max", "flatten", "none" (also "full"). */
  public static Pooling parse(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "mean", "spatial_mean", "avg", "default" -> MEAN;
      case "max" -> MAX;
      case "flatten" -> FLATTEN;
      case "none", "full" -> NONE;
      default -> throw new IllegalArgumentException(
          "unknown pooling '" + name + "'; supported: mean, max, flatten, none");
    };
  }
}
