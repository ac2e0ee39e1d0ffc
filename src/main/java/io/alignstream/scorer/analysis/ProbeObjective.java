package io.alignstream.scorer.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.alignstream.scorer.state.OddOneOut;
import java.util.Arrays;

/**
 * The probe's objective and its analytic gradient. With E = X W + 1 b^T and, per triplet
 * (a, p, n) with the human pair (a, p), the similarities s = (E_a.E_p, E_a.E_n, E_p.E_n):
 *
 * <pre>
 *   L = mean over the batch of -log softmax(s)_0  +  lambda ||W||_F
 *   dL/ds = (softmax(s) - (1, 0, 0)) / B
 *   dL/dE_a = g0 E_p + g1 E_n,  dL/dE_p = g0 E_a + g2 E_n,  dL/dE_n = g1 E_a + g2 E_p
 *   dL/dW = X_u^T dL/dE_u + lambda W / ||W||_F,   dL/db = sum of the rows of dL/dE_u
 * </pre>
 *
 * Only the batch's distinct objects u are mapped (X_u W), which at batch 256 is about 570 rows
 * instead of 768. The two d x d-sized products run in PyTorch (DJL); the per-triplet work, which
 * is O(B d), runs in Java on the copied-out embedding.
 */
final class ProbeObjective {

  /** Batch loss (cross-entropy mean plus penalty) and the gradient; {@code w} lives in the caller's scope. */
  record Gradient(double loss, NDArray w, float[] b) {}

  /** Mean held-out cross-entropy and accuracy (argmax of the similarities is the human pair; all equal is wrong). */
  record Evaluation(double crossEntropy, double accuracy) {}

  private final int[] slot;
  private final int dim;

  /** @param objects rows of the matrices this objective will see; @param dim features per row */
  ProbeObjective(int objects, int dim) {
    this.slot = new int[objects];
    Arrays.fill(slot, -1);
    this.dim = dim;
  }

  /**
   * Loss and gradient on {@code triplets[from..to)}, whose entries index the rows of {@code rows}.
   * Arrays it creates belong to {@code scope}.
   */
  Gradient gradient(NDManager scope, NDArray rows, NDArray w, float[] b, int[][] triplets, int from, int to,
      double lambda) {
    int count = to - from;
    long[] unique = new long[3 * count];
    int[] local = new int[3 * count];
    int u = 0;
    for (int t = 0; t < count; t++) {
      for (int c = 0; c < 3; c++) {
        int object = triplets[from + t][c];
        if (slot[object] < 0) {
          slot[object] = u;
          unique[u++] = object;
        }
        local[3 * t + c] = slot[object];
      }
    }
    for (int i = 0; i < u; i++) {
      slot[(int) unique[i]] = -1;
    }
    NDArray xu = rows.get(scope, new NDIndex("{}", scope.create(Arrays.copyOf(unique, u))));
    float[] e = xu.matMul(w).toFloatArray();
    addBias(e, b);
    float[] de = new float[u * dim];
    double loss = 0;
    for (int t = 0; t < count; t++) {
      int a = local[3 * t] * dim;
      int p = local[3 * t + 1] * dim;
      int n = local[3 * t + 2] * dim;
      double s0 = dot(e, a, e, p);
      double s1 = dot(e, a, e, n);
      double s2 = dot(e, p, e, n);
      double max = Math.max(s0, Math.max(s1, s2));
      double z0 = Math.exp(s0 - max);
      double z1 = Math.exp(s1 - max);
      double z2 = Math.exp(s2 - max);
      double sum = z0 + z1 + z2;
      loss += Math.log(sum) - (s0 - max);
      float g0 = (float) ((z0 / sum - 1) / count);
      float g1 = (float) (z1 / sum / count);
      float g2 = (float) (z2 / sum / count);
      for (int k = 0; k < dim; k++) {
        float ea = e[a + k];
        float ep = e[p + k];
        float en = e[n + k];
        de[a + k] += g0 * ep + g1 * en;
        de[p + k] += g0 * ea + g2 * en;
        de[n + k] += g1 * ea + g2 * ep;
      }
    }
    float[] gb = new float[dim];
    for (int i = 0; i < u; i++) {
      for (int k = 0; k < dim; k++) {
        gb[k] += de[i * dim + k];
      }
    }
    NDArray gw = xu.transpose().matMul(scope.create(de, new Shape(u, dim)));
    double norm = w.norm().getFloat();
    if (lambda > 0 && norm > 0) {
      gw.addi(w.mul(lambda / norm));
    }
    return new Gradient(loss / count + lambda * norm, gw, gb);
  }

  /** Held-out cross-entropy and accuracy of the embedding {@code rows W + b} on {@code triplets} (row indices). */
  Evaluation evaluate(NDArray rows, NDArray w, float[] b, int[][] triplets) {
    float[] e;
    try (NDArray product = rows.matMul(w)) {
      e = product.toFloatArray();
    }
    addBias(e, b);
    double loss = 0;
    int correct = 0;
    for (int[] t : triplets) {
      double s0 = dot(e, t[0] * dim, e, t[1] * dim);
      double s1 = dot(e, t[0] * dim, e, t[2] * dim);
      double s2 = dot(e, t[1] * dim, e, t[2] * dim);
      double max = Math.max(s0, Math.max(s1, s2));
      loss += Math.log(Math.exp(s0 - max) + Math.exp(s1 - max) + Math.exp(s2 - max)) - (s0 - max);
      if (OddOneOut.modelAgrees(s0, s1, s2)) {
        correct++;
      }
    }
    return new Evaluation(loss / triplets.length, (double) correct / triplets.length);
  }

  private void addBias(float[] e, float[] b) {
    for (int i = 0; i < e.length; i += dim) {
      for (int k = 0; k < dim; k++) {
        e[i + k] += b[k];
      }
    }
  }

  private double dot(float[] x, int offsetX, float[] y, int offsetY) {
    double sum = 0;
    for (int k = 0; k < dim; k++) {
      sum += x[offsetX + k] * y[offsetY + k];
    }
    return sum;
  }
}
