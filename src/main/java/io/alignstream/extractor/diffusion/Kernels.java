package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.Locale;

/**
 * Which implementation the UNet and VAE blocks use for the operators that have a fused torch
 * kernel: the explicit DJL operators ({@link Ops}, always available, and the test oracle), or
 * the TorchScript ones of {@link TorchScriptKernels}. Each switch can be set on its own, so that
 * benchmarks measure what each one buys.
 *
 * <p>Set for a process with {@code -Dalignstream.kernels=attention} (the default), {@code fused}
 * (all three), {@code explicit} (none), or a comma list of {@code attention}, {@code group_norm},
 * {@code channels_last}. The fused group norm is not the default: through the whole features
 * pipeline (VAE, then UNet at t = 0) it drifts to 1.3e-4 from the diffusers fixture, past the
 * 1e-4 parity tolerance, while SDPA alone stays within it (FeaturesCommandTest).
 *
 * @param attention {@code torch.scaled_dot_product_attention} instead of matmul, softmax, matmul
 * @param groupNorm {@code torch.group_norm} (with the affine, and the SiLU that follows resnet
 *     norms) instead of a layer norm over a [B, G, *] view, a multiply and an add
 * @param channelsLast activations in NHWC memory order from the input on (convolutions, norms,
 *     resampling and additions keep it); needs {@code groupNorm}, since the explicit group norm's
 *     reshapes return to NCHW
 */
public record Kernels(boolean attention, boolean groupNorm, boolean channelsLast) {

  /** System property choosing the process default. */
  public static final String PROPERTY = "alignstream.kernels";

  public Kernels {
    if (channelsLast && !groupNorm) {
      throw new IllegalArgumentException("channels_last needs group_norm: the explicit group norm reshapes every "
          + "activation back to NCHW");
    }
  }

  public static Kernels explicit() {
    return new Kernels(false, false, false);
  }

  public static Kernels fused() {
    return new Kernels(true, true, true);
  }

  /** The process default: {@value #PROPERTY}, else SDPA attention only (see the class comment). */
  public static Kernels configured() {
    return parse(System.getProperty(PROPERTY, "attention"));
  }

  /** "fused", "explicit", or a comma list of attention, group_norm, channels_last. */
  public static Kernels parse(String setting) {
    String s = setting.trim().toLowerCase(Locale.ROOT);
    if (s.equals("fused")) {
      return fused();
    }
    if (s.equals("explicit")) {
      return explicit();
    }
    boolean attention = false;
    boolean groupNorm = false;
    boolean channelsLast = false;
    for (String part : s.split(",")) {
      switch (part.trim()) {
        case "attention" -> attention = true;
        case "group_norm" -> groupNorm = true;
        case "channels_last" -> channelsLast = true;
        default -> throw new IllegalArgumentException("unknown kernel '" + part.trim() + "' in " + PROPERTY + "='"
            + setting + "'; use fused, explicit, or a comma list of attention, group_norm, channels_last");
      }
    }
    return new Kernels(attention, groupNorm, channelsLast);
  }

  /** The setting string {@link #parse} reads back. */
  @Override
  public String toString() {
    if (equals(fused())) {
      return "fused";
    }
    if (equals(explicit())) {
      return "explicit";
    }
    return String.join(",", Arrays.stream(new String[] {
        attention ? "attention" : null, groupNorm ? "group_norm" : null, channelsLast ? "channels_last" : null})
        .filter(java.util.Objects::nonNull).toList());
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
