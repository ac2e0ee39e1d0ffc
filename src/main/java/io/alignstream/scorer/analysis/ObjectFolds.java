package io.alignstream.scorer.analysis;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Cross-validation over objects, shared by the probe and the regression. Objects are the feature
 * rows; they are shuffled with the seed and cut into {@code k} contiguous parts (sizes differ by at
 * most one, larger parts first, as scikit-learn's KFold). A triplet belongs to a fold's test set
 * only when all three of its objects are test objects, and to its training set only when all three
 * are training objects; the rest of the triplets are used by neither.
 *
 * <p>Triplets are first put in a canonical order ({@link #canonical}), so the same triplets in any
 * arrival order give the same folds, batches and results.
 */
final class ObjectFolds {

  private final int[] foldOf;
  private final int folds;

  private ObjectFolds(int[] foldOf, int folds) {
    this.foldOf = foldOf;
    this.folds = folds;
  }

  static ObjectFolds shuffled(int objects, int folds, long seed) {
    if (objects < folds) {
      throw new IllegalArgumentException(objects + " objects cannot be split into " + folds + " folds");
    }
    int[] order = new int[objects];
    for (int i = 0; i < objects; i++) {
      order[i] = i;
    }
    Random random = new Random(seed);
    for (int i = objects - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[] foldOf = new int[objects];
    int position = 0;
    for (int fold = 0; fold < folds; fold++) {
      int size = objects / folds + (fold < objects % folds ? 1 : 0);
      for (int i = 0; i < size; i++) {
        foldOf[order[position++]] = fold;
      }
    }
    return new ObjectFolds(foldOf, folds);
  }

  int folds() {
    return folds;
  }

  /** The objects of {@code fold} (test) or of every other fold (train), in increasing order. */
  int[] objects(int fold, boolean test) {
    return IntStream.range(0, foldOf.length).filter(i -> (foldOf[i] == fold) == test).toArray();
  }

  /** The triplets whose three objects are all in {@code fold} (test) or all outside it (train). */
  int[][] triplets(int[][] triplets, int fold, boolean test) {
    return Arrays.stream(triplets)
        .filter(t -> (foldOf[t[0]] == fold) == test && (foldOf[t[1]] == fold) == test
            && (foldOf[t[2]] == fold) == test)
        .toArray(int[][]::new);
  }

  /**
   * The triplets in a canonical order: within a row the human pair as (smaller, larger) index
   * followed by the odd one; rows sorted lexicographically. Repeated rows are kept.
   */
  static int[][] canonical(int[][] triplets) {
    int[][] rows = new int[triplets.length][];
    for (int r = 0; r < triplets.length; r++) {
      int[] t = triplets[r];
      rows[r] = new int[] {Math.min(t[0], t[1]), Math.max(t[0], t[1]), t[2]};
    }
    Arrays.sort(rows, Comparator.<int[]>comparingInt(t -> t[0]).thenComparingInt(t -> t[1])
        .thenComparingInt(t -> t[2]));
    return rows;
  }

  /** Rejects triplet rows that are not three distinct indices of existing objects. */
  static void checkTriplets(int[][] triplets, int objects, String analysis) {
    for (int r = 0; r < triplets.length; r++) {
      int[] t = triplets[r];
      if (t.length != 3) {
        throw new IllegalArgumentException(analysis + ": triplet " + r + " has " + t.length + " entries, not 3");
      }
      for (int index : t) {
        if (index < 0 || index >= objects) {
          throw new IllegalArgumentException(analysis + ": triplet " + r + " " + Arrays.toString(t)
              + " refers to object " + index + " outside 0.." + (objects - 1));
        }
      }
      if (t[0] == t[1] || t[0] == t[2] || t[1] == t[2]) {
        throw new IllegalArgumentException(analysis + ": triplet " + r + " " + Arrays.toString(t)
            + " repeats an object");
      }
    }
  }

  /** Rejects an empty or ragged matrix, or one with a non-finite entry. */
  static int checkMatrix(float[][] rows, String analysis, String what) {
    if (rows.length == 0 || rows[0].length == 0) {
      throw new IllegalArgumentException(analysis + ": no " + what);
    }
    int columns = rows[0].length;
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != columns) {
        throw new IllegalArgumentException(analysis + ": " + what + " row " + i + " has " + rows[i].length
            + " values, row 0 has " + columns);
      }
      for (float v : rows[i]) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(analysis + ": " + what + " row " + i + " has a non-finite value");
        }
      }
    }
    return columns;
  }
}
