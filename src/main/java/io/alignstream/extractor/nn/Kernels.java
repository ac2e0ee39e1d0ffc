package io.alignstream.extractor.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Which implementation the UNet and VAE blocks use for the operators that have a faster torch
 * route than the plain DJL operator: the explicit DJL operators ({@link Ops}, always available,
 * and the test oracle), or the TorchScript ones of {@link TorchScriptKernels}. Each switch can be
 * set on its own, so that benchmarks measure what each one buys.
 *
 * <p>Set for a process with {@code -Dalignstream.kernels=fused} (the default: attention,
 * group_norm, gemm_conv and onednn_linear), {@code explicit} (none), or a comma list of switch
 * names and {@code fused}. Channels-last is not part of {@code fused}: on the CPU it made the SD
 * 2.1 forward slower (+32% at a 32x32 latent, +7% at 64x64, best of five rounds: the
 * transformers' token views then copy), and oneDNN's NHWC convolutions in the VAE moved the
 * features pipeline at t = 0 by 1.3e-4 from the diffusers fixture, past the 1e-4 parity
 * tolerance; it stays an option for GPUs, where NHWC is cuDNN's native layout (docs/platform.md).
 *
 * @param attention {@code torch.scaled_dot_product_attention} instead of matmul, softmax, matmul (and
 *     torch's fused tanh GELU for the transformer MLPs of SD3, instead of its six element-wise steps)
 * @param groupNorm {@code torch.group_norm} (with the affine, and the SiLU that follows resnet
 *     norms) instead of a layer norm over a [B, G, *] view, a multiply and an add; likewise SD3's
 *     modulated layer norms as one TorchScript call instead of a layer norm, a multiply and an add
 * @param gemmConv on the CPU, convolutions with few output positions as im2col + GEMM
 *     ({@code thnn_conv2d}) instead of oneDNN, which reorders the whole weight into its blocked
 *     layout on every call (see {@link #GEMM_CONV_MAX_POSITIONS})
 * @param onednnLinear on the CPU, linear layers through oneDNN ({@code mkldnn::_linear_pointwise})
 *     instead of MKL's sgemm, which ran SD 2.1's linear shapes up to 40% slower on the AMD CPU of
 *     docs/platform.md
 * @param channelsLast activations in NHWC memory order from the input on (convolutions, norms,
 *     resampling and additions keep it); needs {@code groupNorm}, since the explicit group norm's
 *     reshapes return to NCHW
 */
public record Kernels(
    boolean attention, boolean groupNorm, boolean gemmConv, boolean onednnLinear, boolean channelsLast) {

  /** System property choosing the process default. */
  public static final String PROPERTY = "alignstream.kernels";

  /** What {@link #parse} accepts, for help texts and errors. */
  public static final String SETTINGS =
      "explicit, or a comma list of attention, group_norm, gemm_conv, onednn_linear, channels_last, fused";

  /**
   * Output positions (batch x height x width) up to which {@code gemm_conv} takes the GEMM route.
   * A convolution's arithmetic per weight element is proportional to its output positions, so at
   * few positions oneDNN's per-call weight reorder (a write of the whole weight; 118 MB for a
   * 2560 -> 1280 3x3 convolution) outweighs the arithmetic. Measured on the 2-core AVX-512 CPU of
   * docs/platform.md, SD 2.1 convolutions at batch 1: at 4x4 and 8x8 positions the GEMM route ran
   * 1.5-3.7x faster (e.g. 2560 -> 1280 at 8x8: 55 -> 149 GFLOP/s), at 16x16 about as fast or
   * faster (1280 -> 1280: 210 -> 193, 2560 -> 1280: 141 -> 188), at 32x32 and above oneDNN wins.
   */
  public static final int GEMM_CONV_MAX_POSITIONS = 256;

  public Kernels {
    if (channelsLast && !groupNorm) {
      throw new IllegalArgumentException("channels_last needs group_norm: the explicit group norm reshapes every "
          + "activation back to NCHW");
    }
  }

  public static Kernels explicit() {
    return new Kernels(false, false, false, false, false);
  }

  public static Kernels fused() {
    return new Kernels(true, true, true, true, false);
  }

  /** The process default: {@value #PROPERTY}, else {@link #fused}. */
  public static Kernels configured() {
    return parse(System.getProperty(PROPERTY, "fused"));
  }

  /** One of {@link #SETTINGS}; {@code fused} stands for the first four switches. */
  public static Kernels parse(String setting) {
    String s = setting.trim().toLowerCase(Locale.ROOT);
    if (s.equals("explicit")) {
      return explicit();
    }
    boolean attention = false;
    boolean groupNorm = false;
    boolean gemmConv = false;
    boolean onednnLinear = false;
    boolean channelsLast = false;
    for (String part : s.split(",")) {
      switch (part.trim()) {
        case "attention" -> attention = true;
        case "group_norm" -> groupNorm = true;
        case "gemm_conv" -> gemmConv = true;
        case "onednn_linear" -> onednnLinear = true;
        case "channels_last" -> channelsLast = true;
        case "fused" -> attention = groupNorm = gemmConv = onednnLinear = true;
        default -> throw new IllegalArgumentException("unknown kernel '" + part.trim() + "' in " + PROPERTY + "='"
            + setting + "'; use " + SETTINGS);
      }
    }
    return new Kernels(attention, groupNorm, gemmConv, onednnLinear, channelsLast);
  }

  /** The setting string {@link #parse} reads back. */
  @Override
  public String toString() {
    if (equals(explicit())) {
      return "explicit";
    }
    boolean all = attention && groupNorm && gemmConv && onednnLinear;
    return String.join(",", Stream.of(all ? "fused" : null,
        attention && !all ? "attention" : null, groupNorm && !all ? "group_norm" : null,
        gemmConv && !all ? "gemm_conv" : null, onednnLinear && !all ? "onednn_linear" : null,
        channelsLast ? "channels_last" : null)
        .filter(Objects::nonNull).toList());
  }

  /**
   * torch.nn.Linear: y = x W^T + b.
   *
   * @param x [..., in]
   * @param w [out, in]
   * @param b [out], or null
   * @return [..., out]
   */
  public NDArray linear(NDArray x, NDArray w, NDArray b) {
    if (onednnLinear && !x.getDevice().isGpu()) {
      return b == null ? TorchScriptKernels.call("linear_no_bias", x, w) : TorchScriptKernels.call("linear", x, w, b);
    }
    return Linear.linear(x, w, b).singletonOrThrow();
  }

  /**
   * torch.nn.Conv2d with square stride and symmetric zero padding, dilation 1, one group.
   *
   * @param x [B, Cin, H, W]
   * @param w [Cout, Cin, kh, kw]
   * @param b [Cout], or null
   * @return [B, Cout, H', W']
   */
  public NDArray conv2d(NDArray x, NDArray w, NDArray b, int stride, int padding) {
    Shape in = x.getShape();
    long outH = (in.get(2) + 2L * padding - w.getShape().get(2)) / stride + 1;
    long outW = (in.get(3) + 2L * padding - w.getShape().get(3)) / stride + 1;
    if (gemmConv && b != null && !x.getDevice().isGpu() && in.get(0) * outH * outW <= GEMM_CONV_MAX_POSITIONS) {
      return TorchScriptKernels.call("conv2d_gemm", x, w, b, stride, padding);
    }
    return Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
        .singletonOrThrow();
  }

  /** Multi-head attention, [B, Nq, h*d] queries against [B, Nk, h*d] keys and values; see {@link Ops#attention}. */
  public NDArray attention(NDArray q, NDArray k, NDArray v, int heads) {
    if (!attention) {
      return Ops.attention(q, k, v, heads, null);
    }
    if (q.getShape().get(2) % heads != 0) {
      throw new IllegalArgumentException(
          "attention width " + q.getShape().get(2) + " does not split into " + heads + " heads");
    }
    return TorchScriptKernels.call("attention", q, k, v, heads);
  }

  /**
   * Attention with an additive bias broadcasting to [B, heads, Nq, Nk] and a given score scale
   * (T5: relative position bias, scale 1); see {@link Ops#attention(NDArray, NDArray, NDArray, int, NDArray, float)}.
   */
  public NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray bias, float scale) {
    if (!attention) {
      return Ops.attention(q, k, v, heads, bias, scale);
    }
    if (q.getShape().get(2) % heads != 0) {
      throw new IllegalArgumentException(
          "attention width " + q.getShape().get(2) + " does not split into " + heads + " heads");
    }
    return TorchScriptKernels.call("attention_bias", q, k, v, heads, bias, scale);
  }

  /** GELU, tanh approximation; the fused route is torch's own kernel. */
  public NDArray geluTanh(NDArray x) {
    return attention ? TorchScriptKernels.call("gelu_tanh", x) : Ops.geluTanh(x);
  }

  /** norm(x) (1 + scale) + shift over the last axis, no affine; see {@link Ops#modulatedLayerNorm}. */
  public NDArray modulatedLayerNorm(NDArray x, NDArray scale, NDArray shift, float eps) {
    return groupNorm ? TorchScriptKernels.call("modulated_layer_norm", x, scale, shift, eps)
        : Ops.modulatedLayerNorm(x, scale, shift, eps);
  }

  /**
   * torch.nn.GroupNorm with affine {@code weight} and {@code bias} [C], followed by SiLU when
   * {@code silu}. The explicit route shapes the affine parameters [1, C, 1, ...] itself.
   */
  public NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, boolean silu) {
    if (!groupNorm) {
      long[] affine = new long[x.getShape().dimension()]; // [1, C, 1, 1] for 4-D input
      Arrays.fill(affine, 1);
      affine[1] = x.getShape().get(1);
      NDArray w = Ops.local(weight, x, affine);
      NDArray b = Ops.local(bias, x, affine);
      NDArray out = Ops.groupNormalize(x, groups, eps).mul(w).add(b);
      return silu ? Ops.silu(out) : out;
    }
    if (x.getShape().get(1) % groups != 0) {
      throw new IllegalArgumentException(x.getShape().get(1) + " channels do not split into " + groups + " groups");
    }
    return TorchScriptKernels.call(silu ? "group_norm_silu" : "group_norm", x, groups, weight, bias, eps);
  }

  /** A forward's input in the memory order these kernels compute in (itself when NCHW is kept). */
  public NDArray layout(NDArray x) {
    return channelsLast ? TorchScriptKernels.call("channels_last", x) : x;
  }

  /** Nearest 2x upsampling; the fused route keeps the input's memory order. */
  public NDArray upsample2x(NDArray x) {
    return channelsLast ? TorchScriptKernels.call("upsample_nearest_2x", x) : Ops.nearestUpsample2x(x);
  }

  /** The VAE downsampler's (0, 1, 0, 1) zero padding; the fused route keeps the input's memory order. */
  public NDArray padRightBottom(NDArray x) {
    return channelsLast ? TorchScriptKernels.call("pad_right_bottom", x) : Ops.padRightBottom(x);
  }
}
