package io.alignstream.scorer.state;

import java.util.Locale;

/** How two representations of one setting are compared (docs/method.md: cosine, option dot). */
public enum Similarity {
  COSINE,
  DOT;

  /**
   * The similarity of two vectors from their dot product and L2 norms. A zero vector has
   * cosine 0 with everything, as the reference's {@code F.cosine_similarity} (eps-clamped
   * norms) gives, instead of NaN.
   */
  double of(double dot, double normA, double normB) {
    if (this == DOT) {
      return dot;
    }
    if (normA == 0 || normB == 0) {
      return 0;
    }
    return dot / (normA * normB);
  }

  public static Similarity parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("similarity '" + text + "' is not cosine or dot");
    }
  }
}
