package io.alignstream.extractor.diffusion.vae;

import ai.djl.ndarray.NDArray;
import io.alignstream.extractor.diffusion.checkpoint.Weights;

/**
 * The blocks diffusers' VAE {@code Encoder} and {@code Decoder} share: ResnetBlock2D without time
 * embedding, and UNetMidBlock2D (resnet, single-head attention, resnet). Both build every norm of
 * these blocks with epsilon 1e-6 and the config's group count.
 */
final class VaeBlocks {

  /** diffusers builds every VAE ResnetBlock2D, attention and output norm with this epsilon. */
  static final float EPS = 1e-6f;

  private final int groups;
  private final boolean midBlockAttention;

  VaeBlocks(VaeConfig config) {
    this.groups = config.normGroups();
    this.midBlockAttention = config.midBlockAttention();
  }

  /** UNetMidBlock2D without time embedding: resnet, attention, resnet. */
  NDArray midBlock(Weights mid, NDArray x) {
    x = resnet(mid.scope("resnets.0"), x); // [N, C, h, w]
    if (midBlockAttention) {
      x = spatialAttention(mid.scope("attentions.0"), x); // [N, C, h, w]
    }
    return resnet(mid.scope("resnets.1"), x); // [N, C, h, w]
  }

  /** ResnetBlock2D without time embedding; a 1x1 conv_shortcut when the width changes. */
  NDArray resnet(Weights r, NDArray x) {
    NDArray h = r.groupNormSilu(x, "norm1", groups, EPS); // [N, Cin, H, W]
    h = r.conv2d(h, "conv1", 1, 1); // [N, Cin, H, W] -> [N, Cout, H, W]
    h = r.groupNormSilu(h, "norm2", groups, EPS); // [N, Cout, H, W]
    h = r.conv2d(h, "conv2", 1, 1); // [N, Cout, H, W]
    NDArray shortcut = r.has("conv_shortcut.weight") ? r.conv2d(x, "conv_shortcut", 1, 0) : x; // [N, Cout, H, W]
    return shortcut.add(h); // [N, Cout, H, W]
  }

  /** SiLU(GroupNorm(x)) with the blocks' groups and epsilon: what precedes conv_out in both halves. */
  NDArray normOut(Weights w, NDArray x) {
    return w.groupNormSilu(x, "conv_norm_out", groups, EPS); // [N, C, H, W]
  }

  /** The mid block's Attention: group norm, one head over all positions, residual. */
  private NDArray spatialAttention(Weights attn, NDArray x) {
    long n = x.getShape().get(0);
    long c = x.getShape().get(1);
    long hh = x.getShape().get(2);
    long ww = x.getShape().get(3);
    NDArray h = attn.groupNorm(x, "group_norm", groups, EPS); // [N, C, h, w]
    h = h.reshape(n, c, hh * ww).transpose(0, 2, 1); // [N, C, h, w] -> [N, h*w, C]
    h = attn.attention(h, null, 1); // [N, h*w, C]
    h = h.transpose(0, 2, 1).reshape(n, c, hh, ww); // [N, h*w, C] -> [N, C, h, w]
    return h.add(x); // residual; rescale_output_factor is 1
  }
}
