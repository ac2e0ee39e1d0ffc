package io.alignstream.scorer.state;

import java.util.Arrays;

/**
 * The vectors of one setting as one row-major float matrix, with each row's L2 norm in double.
 * Rows are kept as received (not rescaled): cosine divides by the norms at comparison time,
 * which is exact to double rounding, while rescaling to unit length in float would round every
 * component (see {@link VectorMath}). One flat array instead of one array per item keeps the
 * rows of a setting together in memory and costs no per-item object header.
 */
final class VectorMatrix {

  private final int dim;
  private float[] data;
  private double[] norms;
  private int[] rowOfItem = new int[0];
  private int rows;

  VectorMatrix(int dim, int expectedRows) {
    this.dim = dim;
    int capacity = Math.max(4, expectedRows);
    this.data = new float[capacity * dim];
    this.norms = new double[capacity];
  }

  int dim() {
    return dim;
  }

  int rows() {
    return rows;
  }

  /** The row of {@code item}, or -1 when it has no vector here. */
  int row(int item) {
    return item < rowOfItem.length ? rowOfItem[item] : -1;
  }

  boolean sameVector(int row, float[] vector) {
    int offset = row * dim;
    for (int i = 0; i < dim; i++) {
      if (Float.floatToIntBits(data[offset + i]) != Float.floatToIntBits(vector[i])) {
        return false;
      }
    }
    return true;
  }

  /** Sets the vector of {@code item} (new row or overwrite); returns its row. */
  int put(int item, float[] vector) {
    int row = row(item);
    if (row < 0) {
      row = appendRow(item);
    }
    System.arraycopy(vector, 0, data, row * dim, dim);
    norms[row] = VectorMath.norm(data, row * dim, dim);
    return row;
  }

  /** A copy of row {@code row}'s vector. */
  float[] vector(int row) {
    return Arrays.copyOfRange(data, row * dim, (row + 1) * dim);
  }

  double similarity(Similarity similarity, int rowA, int rowB) {
    double dot = VectorMath.dot(data, rowA * dim, data, rowB * dim, dim);
    return similarity.of(dot, norms[rowA], norms[rowB]);
  }

  /** Floats held, counting spare capacity: what the cache budget is charged. */
  long capacityFloats() {
    return data.length;
  }

  private int appendRow(int item) {
    if ((rows + 1) * dim > data.length) {
      int capacity = Math.max(rows * 2, 4);
      data = Arrays.copyOf(data, capacity * dim);
      norms = Arrays.copyOf(norms, capacity);
    }
    if (item >= rowOfItem.length) {
      int old = rowOfItem.length;
      rowOfItem = Arrays.copyOf(rowOfItem, Math.max(item + 1, old * 2));
      Arrays.fill(rowOfItem, old, rowOfItem.length, -1);
    }
    rowOfItem[item] = rows;
    return rows++;
  }
}
