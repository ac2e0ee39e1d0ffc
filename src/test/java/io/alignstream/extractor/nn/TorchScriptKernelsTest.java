package io.alignstream.extractor.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The TorchScript archive written in Java: it loads on the libtorch in use (the one its layout is
 * pinned to), and each fused kernel equals the explicit DJL operators it replaces at the shapes the
 * UNet and VAE use them (several heads, cross-attention, a single-head VAE attention, channels-last
 * inputs).
 */
class TorchScriptKernelsTest {

  private static final float TOL = 1e-5f;
  private static final SplittableRandom RNG = new SplittableRandom(11);

  static NDArray rand(NDManager m, long... shape) {
    Shape s = new Shape(shape);
    float[] v = new float[Math.toIntExact(s.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (RNG.nextDouble() * 4 - 2);
    }
    return m.create(v, s);
  }

  @Test
  void archiveIsPinnedToTheEngineInUse() {
    // the archive layout is written for one libtorch; a new engine version must re-check it here
    assertThat(Engine.getEngine("PyTorch").getVersion()).isEqualTo(TorchScriptArchive.TESTED_LIBTORCH);
    assertThat(TorchScriptKernels.module()).isSameAs(TorchScriptKernels.module());
  }

  @Test
  void attentionMatchesTheExplicitOperators() {
    try (NDManager m = NDManager.newBaseManager()) {
      // self-attention over 5 heads of 8, cross-attention to 7 tokens, and the VAE's one head
      long[][] cases = {{2, 64, 64, 40, 5}, {2, 64, 7, 40, 5}, {1, 256, 256, 32, 1}};
      for (long[] c : cases) {
        NDArray q = rand(m, c[0], c[1], c[3]);
        NDArray k = rand(m, c[0], c[2], c[3]);
        NDArray v = rand(m, c[0], c[2], c[3]);
        NDArray fused = Kernels.fused().attention(q, k, v, (int) c[4]);
        NDArray explicit = Ops.attention(q, k, v, (int) c[4], null);
        assertThat(fused.getShape()).isEqualTo(explicit.getShape());
        assertClose(fused.toFloatArray(), explicit.toFloatArray());
      }
    }
  }

  @Test
  void groupNormOnNchwAndChannelsLastMatchesTheExplicitOperators() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = rand(m, 2, 64, 6, 5);
      NDArray w = rand(m, 64);
      NDArray b = rand(m, 64);
      Kernels fused = Kernels.parse("fused,channels_last");
      for (boolean silu : new boolean[] {false, true}) {
        float[] expected = Kernels.explicit().groupNorm(x, 32, w, b, 1e-6f, silu).toFloatArray();
        assertClose(fused.groupNorm(x, 32, w, b, 1e-6f, silu).toFloatArray(), expected);
        // NHWC strides in, the same values out (read back in logical NCHW order)
        assertClose(fused.groupNorm(fused.layout(x), 32, w, b, 1e-6f, silu).toFloatArray(), expected);
      }
    }
  }

  @Test
  void resamplingKeepsValuesInEitherLayout() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = rand(m, 2, 3, 4, 5);
      Kernels channelsLast = Kernels.parse("fused,channels_last");
      NDArray nhwc = channelsLast.layout(x);
      assertThat(nhwc.toFloatArray()).containsExactly(x.toFloatArray());
      assertThat(channelsLast.upsample2x(nhwc).toFloatArray()).containsExactly(Ops.nearestUpsample2x(x).toFloatArray());
      assertThat(channelsLast.padRightBottom(nhwc).toFloatArray()).containsExactly(Ops.padRightBottom(x).toFloatArray());
      assertThat(channelsLast.upsample2x(nhwc).getShape()).isEqualTo(new Shape(2, 3, 8, 10));
    }
  }

  @Test
  void gemmConvolutionMatchesOneDnnAroundTheThreshold() {
    try (NDManager m = NDManager.newBaseManager()) {
      // {batch, in, out, side, kernel, stride, padding}: 3x3 at 4x4 and 8x8 (GEMM), the resnet
      // shortcut's 1x1, a stride-2 downsampler, and 16x16 at batch 2 (512 positions: oneDNN)
      int[][] cases = {{1, 24, 16, 4, 3, 1, 1}, {1, 16, 8, 8, 3, 1, 1}, {2, 16, 24, 8, 1, 1, 0},
          {1, 16, 16, 16, 3, 2, 1}, {2, 8, 8, 16, 3, 1, 1}};
      for (int[] c : cases) {
        NDArray x = rand(m, c[0], c[1], c[3], c[3]);
        NDArray w = rand(m, c[2], c[1], c[4], c[4]);
        NDArray b = rand(m, c[2]);
        NDArray gemm = Kernels.fused().conv2d(x, w, b, c[5], c[6]);
        NDArray oneDnn = Kernels.explicit().conv2d(x, w, b, c[5], c[6]);
        assertThat(gemm.getShape()).isEqualTo(oneDnn.getShape());
        assertClose(gemm.toFloatArray(), oneDnn.toFloatArray());
      }
    }
  }

  @Test
  void oneDnnLinearMatchesTheMklOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = rand(m, 160, 96);
      NDArray b = rand(m, 160);
      // rows, and the [B, tokens, channels] a transformer feeds its projections
      for (NDArray x : new NDArray[] {rand(m, 77, 96), rand(m, 2, 77, 96)}) {
        for (NDArray bias : new NDArray[] {b, null}) {
          NDArray oneDnn = Kernels.fused().linear(x, w, bias);
          NDArray mkl = Kernels.explicit().linear(x, w, bias);
          assertThat(oneDnn.getShape()).isEqualTo(x.getShape().slice(0, x.getShape().dimension() - 1).add(160));
          assertClose(oneDnn.toFloatArray(), mkl.toFloatArray());
        }
      }
    }
  }

  @Test
  void settingsParseAndRejectUnknownNames() {
    assertThat(Kernels.parse("fused")).isEqualTo(new Kernels(true, true, true, true, false)).isEqualTo(Kernels.fused());
    assertThat(Kernels.parse("explicit")).isEqualTo(new Kernels(false, false, false, false, false));
    assertThat(Kernels.parse("attention, group_norm")).isEqualTo(new Kernels(true, true, false, false, false));
    assertThat(Kernels.parse(Kernels.parse("group_norm,channels_last").toString()))
        .isEqualTo(new Kernels(false, true, false, false, true));
    assertThat(Kernels.parse("fused,channels_last")).hasToString("fused,channels_last");
    assertThat(Kernels.parse("gemm_conv,onednn_linear")).hasToString("gemm_conv,onednn_linear");
    assertThatThrownBy(() -> Kernels.parse("attention,flash"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown kernel 'flash'");
    assertThatThrownBy(() -> Kernels.parse("channels_last"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs group_norm");
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(TOL));
    }
  }
}
