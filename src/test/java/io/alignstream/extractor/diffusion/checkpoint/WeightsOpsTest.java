package io.alignstream.extractor.diffusion.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The primitive layers against straightforward loop implementations of their torch definitions
 * on random inputs, and the rule that forwards leave nothing in the weight store's manager.
 */
class WeightsOpsTest {

  private static final float TOL = 2e-5f;
  private static final SplittableRandom RNG = new SplittableRandom(7);

  @TempDir static Path tmp;
  static WeightStore store;
  static float[] linW, linB, convW, convB, gnW, gnB, lnW, lnB, qW, kW, vW, oW, oB;

  static float[] rand(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (RNG.nextDouble() * 2 - 1);
    }
    return a;
  }

  @BeforeAll
  static void writeWeights() throws Exception {
    linW = rand(5 * 4); linB = rand(5);
    convW = rand(6 * 4 * 3 * 3); convB = rand(6);
    gnW = rand(4); gnB = rand(4);
    lnW = rand(4); lnB = rand(4);
    qW = rand(4 * 4); kW = rand(4 * 3); vW = rand(4 * 3); oW = rand(4 * 4); oB = rand(4);
    Path dir = Files.createDirectories(tmp.resolve("m"));
    new SafetensorsWriter()
        .putFloats("blk.lin.weight", new long[] {5, 4}, linW)
        .putFloats("blk.lin.bias", new long[] {5}, linB)
        .putFloats("blk.nob.weight", new long[] {5, 4}, linW)
        .putFloats("blk.conv.weight", new long[] {6, 4, 3, 3}, convW)
        .putFloats("blk.conv.bias", new long[] {6}, convB)
        .putFloats("blk.gn.weight", new long[] {4}, gnW)
        .putFloats("blk.gn.bias", new long[] {4}, gnB)
        .putFloats("blk.ln.weight", new long[] {4}, lnW)
        .putFloats("blk.ln.bias", new long[] {4}, lnB)
        .putFloats("blk.attn.to_q.weight", new long[] {4, 4}, qW)
        .putFloats("blk.attn.to_k.weight", new long[] {4, 3}, kW)
        .putFloats("blk.attn.to_v.weight", new long[] {4, 3}, vW)
        .putFloats("blk.attn.to_out.0.weight", new long[] {4, 4}, oW)
        .putFloats("blk.attn.to_out.0.bias", new long[] {4}, oB)
        .putFloats("old.query.weight", new long[] {4, 4}, qW)
        .putFloats("old.key.weight", new long[] {4, 3}, kW)
        .putFloats("old.value.weight", new long[] {4, 3}, vW)
        .putFloats("old.proj_attn.weight", new long[] {4, 4}, oW)
        .putFloats("old.proj_attn.bias", new long[] {4}, oB)
        .write(dir.resolve("model.safetensors"));
    store = WeightStore.load(java.util.List.of(dir.resolve("model.safetensors")), "test", Placement.cpu());
  }

  @AfterAll
  static void close() {
    store.close();
  }

  static float[] linearRef(float[] x, int rows, int in, float[] w, float[] b, int out) {
    float[] y = new float[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b[o];
        for (int i = 0; i < in; i++) {
          s += (double) x[r * in + i] * w[o * in + i];
        }
        y[r * out + o] = (float) s;
      }
    }
    return y;
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(TOL));
    }
  }

  @Test
  void linearWithAndWithoutBias() {
    float[] x = rand(2 * 3 * 4);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray in = m.create(x, new Shape(2, 3, 4));
      Weights w = store.scope("blk");
      assertClose(w.linear(in, "lin").toFloatArray(), linearRef(x, 6, 4, linW, linB, 5));
      assertClose(w.linear(in, "nob").toFloatArray(), linearRef(x, 6, 4, linW, null, 5));
      assertThat(w.linear(in, "lin").getShape()).isEqualTo(new Shape(2, 3, 5));
    }
  }

  @Test
  void conv2dStrideAndPadding() {
    int b = 2, cin = 4, h = 5, wd = 6, cout = 6;
    float[] x = rand(b * cin * h * wd);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray in = m.create(x, new Shape(b, cin, h, wd));
      for (int[] sp : new int[][] {{1, 1}, {2, 0}, {2, 1}}) {
        int stride = sp[0], pad = sp[1];
        int oh = (h + 2 * pad - 3) / stride + 1, ow = (wd + 2 * pad - 3) / stride + 1;
        float[] ref = new float[b * cout * oh * ow];
        for (int n = 0; n < b; n++) for (int o = 0; o < cout; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
          double s = convB[o];
          for (int c = 0; c < cin; c++) for (int ki = 0; ki < 3; ki++) for (int kj = 0; kj < 3; kj++) {
            int yi = i * stride - pad + ki, xj = j * stride - pad + kj;
            if (yi >= 0 && yi < h && xj >= 0 && xj < wd) {
              s += (double) x[((n * cin + c) * h + yi) * wd + xj] * convW[((o * cin + c) * 3 + ki) * 3 + kj];
            }
          }
          ref[((n * cout + o) * oh + i) * ow + j] = (float) s;
        }
        assertClose(store.scope("blk").conv2d(in, "conv", stride, pad).toFloatArray(), ref);
      }
    }
  }

  @ParameterizedTest(name = "kernels {0}")
  @ValueSource(strings = {"explicit", "fused", "fused,channels_last"})
  void groupNormMatchesDefinition(String kernels) {
    int b = 2, c = 4, hw = 6, groups = 2;
    float[] x = rand(b * c * hw);
    float eps = 1e-5f;
    float[] ref = new float[x.length];
    int per = c / groups * hw;
    for (int n = 0; n < b; n++) for (int g = 0; g < groups; g++) {
      int base = (n * c + g * c / groups) * hw;
      double mean = 0, var = 0;
      for (int i = 0; i < per; i++) mean += x[base + i];
      mean /= per;
      for (int i = 0; i < per; i++) var += (x[base + i] - mean) * (x[base + i] - mean);
      var /= per;
      for (int i = 0; i < per; i++) {
        int ch = (base + i) / hw % c;
        ref[base + i] = (float) ((x[base + i] - mean) / Math.sqrt(var + eps) * gnW[ch] + gnB[ch]);
      }
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray in = m.create(x, new Shape(b, c, 2, 3));
      Weights blk = store.scope("blk").using(Kernels.parse(kernels));
      assertClose(blk.groupNorm(in, "gn", groups, eps).toFloatArray(), ref);
      float[] silu = ref.clone();
      for (int i = 0; i < silu.length; i++) silu[i] = (float) (ref[i] / (1 + Math.exp(-ref[i])));
      assertClose(blk.groupNormSilu(in, "gn", groups, eps).toFloatArray(), silu);
    }
  }

  @Test
  void layerNormMatchesDefinition() {
    float[] x = rand(3 * 4);
    float[] ref = new float[x.length];
    for (int r = 0; r < 3; r++) {
      double mean = 0, var = 0;
      for (int i = 0; i < 4; i++) mean += x[r * 4 + i];
      mean /= 4;
      for (int i = 0; i < 4; i++) var += (x[r * 4 + i] - mean) * (x[r * 4 + i] - mean);
      var /= 4;
      for (int i = 0; i < 4; i++) ref[r * 4 + i] = (float) ((x[r * 4 + i] - mean) / Math.sqrt(var + 1e-5) * lnW[i] + lnB[i]);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      assertClose(store.scope("blk").layerNorm(m.create(x, new Shape(3, 4)), "ln", 1e-5f).toFloatArray(), ref);
    }
  }

  @ParameterizedTest(name = "kernels {0}")
  @ValueSource(strings = {"explicit", "fused", "fused,channels_last"})
  void crossAttentionOverTwoHeads(String kernels) {
    int n = 3, mctx = 2, c = 4, cc = 3, heads = 2, d = 2;
    float[] x = rand(n * c), ctx = rand(mctx * cc);
    float[] q = linearRef(x, n, c, qW, null, 4), k = linearRef(ctx, mctx, cc, kW, null, 4),
        v = linearRef(ctx, mctx, cc, vW, null, 4);
    float[] att = new float[n * 4];
    for (int h = 0; h < heads; h++) for (int i = 0; i < n; i++) {
      double[] s = new double[mctx];
      double max = -1e30, sum = 0;
      for (int j = 0; j < mctx; j++) {
        for (int e = 0; e < d; e++) s[j] += q[i * 4 + h * d + e] * k[j * 4 + h * d + e];
        s[j] /= Math.sqrt(d);
        max = Math.max(max, s[j]);
      }
      for (int j = 0; j < mctx; j++) { s[j] = Math.exp(s[j] - max); sum += s[j]; }
      for (int e = 0; e < d; e++) {
        double o = 0;
        for (int j = 0; j < mctx; j++) o += s[j] / sum * v[j * 4 + h * d + e];
        att[i * 4 + h * d + e] = (float) o;
      }
    }
    float[] ref = linearRef(att, n, 4, oW, oB, 4);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray out = store.scope("blk.attn").using(Kernels.parse(kernels)).attention(m.create(x, new Shape(1, n, c)), m.create(ctx, new Shape(1, mctx, cc)), heads);
      assertThat(out.getShape()).isEqualTo(new Shape(1, n, c));
      assertClose(out.toFloatArray(), ref);
      // legacy VAE attention names (query/key/value/proj_attn) read the same module
      NDArray legacy = store.scope("old").using(Kernels.parse(kernels)).attention(m.create(x, new Shape(1, n, c)), m.create(ctx, new Shape(1, mctx, cc)), heads);
      assertClose(legacy.toFloatArray(), ref);
    }
  }

  @Test
  void forwardsAllocateNothingInTheStore() {
    int before = store.manager().getManagedArrays().size();
    try (NDManager m = NDManager.newBaseManager()) {
      for (int rep = 0; rep < 3; rep++) {
        try (NDManager scope = m.newSubManager()) {
          Weights w = store.scope("blk");
          NDArray x = scope.create(rand(2 * 4 * 5 * 6), new Shape(2, 4, 5, 6));
          NDArray h = w.conv2d(Ops.silu(w.groupNorm(x, "gn", 2, 1e-5f)), "conv", 2, 1);
          NDArray t = scope.create(rand(2 * 3 * 4), new Shape(2, 3, 4));
          w.scope("attn").attention(w.layerNorm(t, "ln", 1e-5f), scope.create(rand(2 * 3 * 3), new Shape(2, 3, 3)), 2);
          Ops.spatialMean(Ops.padRightBottom(h));
        }
      }
    }
    assertThat(store.manager().getManagedArrays()).hasSize(before);
  }
}
