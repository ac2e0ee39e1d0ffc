package io.alignstream.scorer.state;

/**
 * The model's odd-one-out choice against the human's, from the three pair similarities.
 *
 * <p>The model picks the item outside the most similar pair. The reference code of Muttenthaler
 * et al. (human_alignment, {@code get_predictions}) orders each triplet with the human's odd one
 * last, takes the pairs (0,1), (0,2), (1,2), counts the triplet wrong when all three computed
 * similarities are exactly equal, and otherwise takes the FIRST most similar pair (argmin of
 * distances). Restated without positions: the model is right when the human's pair (the two
 * items the human kept together) is at least as similar as each of the other two pairs, unless
 * all three similarities are equal. "Equal" is exact equality of the computed doubles, as in the
 * reference; no tolerance is applied, because any tolerance would call pairs tied that the
 * reference (and a reader's own batch computation) separates.
 */
public final class OddOneOut {

  private OddOneOut() {}

  /**
   * @param humanPair similarity of the two items the human did not choose
   * @param other1 similarity of the human's odd item with one of them
   * @param other2 similarity of the human's odd item with the other
   */
  public static boolean modelAgrees(double humanPair, double other1, double other2) {
    if (humanPair == other1 && humanPair == other2) {
      return false;
    }
    return humanPair >= other1 && humanPair >= other2;
  }
}
