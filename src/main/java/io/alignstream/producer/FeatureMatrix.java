package io.alignstream.producer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A rows x columns matrix of features computed elsewhere, one row per concept, held row-major
 * as float (the precision a LayerEmbedding carries).
 *
 * @param rows number of rows (concepts)
 * @param columns features per row
 * @param values row-major values, length rows x columns
 * @param dtype the element type in the file, e.g. {@code float32}, {@code float64}, {@code text}
 */
public record FeatureMatrix(int rows, int columns, float[] values, String dtype) {

  public FeatureMatrix {
    if (rows <= 0 || columns <= 0) {
      throw new IllegalArgumentException("a feature matrix needs rows and columns, got " + rows + " x " + columns);
    }
    if ((long) rows * columns != values.length) {
      throw new IllegalArgumentException(rows + " x " + columns + " matrix given " + values.length + " values");
    }
  }

  public float get(int row, int column) {
    return values[row * columns + column];
  }

  /** A copy of row {@code row}. */
  public float[] row(int row) {
    return Arrays.copyOfRange(values, row * columns, (row + 1) * columns);
  }

  /** Fails with a clear message unless there is exactly one row per concept. */
  public void requireRowsFor(ConceptList concepts, Path file) {
    if (rows != concepts.size()) {
      throw InvalidInputException.in(file, rows + " rows of features but the concept list"
          + (concepts.source() == null ? "" : " " + concepts.source()) + " has " + concepts.size()
          + " concepts; row i must hold the features of concept i");
    }
  }

  /** Rows (0-based) holding NaN or an infinite value. */
  public List<Integer> rowsWithNonFiniteValues() {
    List<Integer> bad = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        if (!Float.isFinite(values[r * columns + c])) {
          bad.add(r);
          break;
        }
      }
    }
    return bad;
  }
}
