package io.alignstream.extractor.diffusion.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.checkpoint.Weights;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;

/**
 * The decoder of diffusers' {@code AutoencoderKL} ({@code AutoencoderKL.decode}): latents back to
 * images in about [-1, 1], the inverse direction of {@link VaeEncoder}.
 *
 * <p>Architecture (weights under {@code post_quant_conv.*} and {@code decoder.*} of {@code vae/}):
 * post_quant_conv (1x1); conv_in to the widest level; mid block (resnet, single-head attention,
 * resnet); per up block, from the deepest level up, {@code layers_per_block + 1} ResnetBlock2D
 * and, except after the last block, an Upsample2D (nearest 2x, 3x3 conv); GroupNorm, SiLU,
 * conv_out. The resnets and the mid block are the encoder's {@link VaeBlocks}.
 *
 * <pre>{@code
 * try (VaeDecoder decoder = VaeDecoder.load(PipelineFolder.open(dir), Placement.cpu())) {
 *   NDArray images = decoder.decodeLatents(latents); // [N, 4, h, w] UNet latents -> [N, 3, 8h, 8w]
 * }
 * }</pre>
 */
public final class VaeDecoder implements AutoCloseable {

  private final VaeConfig config;
  private final VaeBlocks blocks;
  private final WeightStore weights;
  private final Kernels kernels;

  public VaeDecoder(ComponentFolder vae, Placement placement) {
    this(VaeConfig.parse(vae.configReader()), vae.loadWeights(placement, "decoder.", "post_quant_conv."));
  }

  /** A decoder over weights already loaded (e.g. random ones); it owns the store from now on. */
  public VaeDecoder(VaeConfig config, WeightStore weights) {
    this(config, weights, Kernels.configured());
  }

  private VaeDecoder(VaeConfig config, WeightStore weights, Kernels kernels) {
    this.config = config;
    this.blocks = new VaeBlocks(config);
    this.weights = weights;
    this.kernels = kernels;
  }

  /** The same decoder computing with other kernels; the two share one weight store (closing either closes it). */
  public VaeDecoder using(Kernels kernels) {
    return new VaeDecoder(config, weights, kernels);
  }

  /** The {@code vae} component of a pipeline folder. */
  public static VaeDecoder load(PipelineFolder pipeline, Placement placement) {
    return new VaeDecoder(pipeline.component("vae", "AutoencoderKL"), placement);
  }

  public VaeConfig config() {
    return config;
  }

  public WeightStore weights() {
    return weights;
  }

  /**
   * {@code AutoencoderKL.decode(z).sample}: the images of unscaled latents z (what the encoder's
   * posterior describes); the result is in {@code z}'s manager.
   *
   * @param z [N, latent, h, w]
   * @return [N, out, h * 2^(blocks-1), w * 2^(blocks-1)], about [-1, 1] (not clamped)
   */
  public NDArray decode(NDArray z) {
    NDManager caller = z.getManager();
    try (NDManager scope = caller.newSubManager(weights.placement().device())) {
      Weights root = weights.root().using(kernels);
      Weights dec = weights.scope("decoder").using(kernels);
      NDArray h = kernels.layout(Ops.enter(z, scope, weights.dtype())); // [N, latent, h, w]
      if (config.usePostQuantConv()) {
        h = root.conv2d(h, "post_quant_conv", 1, 0); // [N, latent, h, w], 1x1
      }
      h = dec.conv2d(h, "conv_in", 1, 1); // [N, latent, h, w] -> [N, Clast, h, w]
      h = blocks.midBlock(dec.scope("mid_block"), h); // [N, Clast, h, w]
      int levels = config.blockOutChannels().size();
      for (int i = 0; i < levels; i++) {
        // up_blocks.i runs level (levels-1-i): [N, C', H, W] -> [N, C(levels-1-i), 2H, 2W] (the last keeps H, W)
        h = upBlock(dec.scope("up_blocks." + i), h, i < levels - 1);
      }
      h = blocks.normOut(dec, h); // [N, C0, H, W]
      h = dec.conv2d(h, "conv_out", 1, 1); // [N, C0, H, W] -> [N, out, H, W]
      h.attach(caller);
      return h;
    }
  }

  /**
   * The images of the latents the UNet works on: decodes z = latents / scaling_factor +
   * shift_factor, the inverse of {@link VaeEncoder#latents} (what diffusers' pipelines hand to
   * {@code vae.decode}).
   *
   * @param latents [N, latent, h, w]
   * @return [N, out, H, W] in the latents' manager
   */
  public NDArray decodeLatents(NDArray latents) {
    try (NDManager scope = latents.getManager().newSubManager()) {
      NDArray z = Ops.enter(latents, scope, weights.dtype()).div((float) config.scalingFactor()); // [N, latent, h, w]
      if (config.shiftFactor() != 0) {
        z = z.add((float) config.shiftFactor());
      }
      NDArray images = decode(z); // [N, out, H, W] in the scope
      images.attach(latents.getManager());
      return images;
    }
  }

  /** UpDecoderBlock2D: layers_per_block + 1 resnets, then an Upsample2D except after the last block. */
  private NDArray upBlock(Weights block, NDArray x, boolean upsample) {
    for (int j = 0; j <= config.layersPerBlock(); j++) {
      x = blocks.resnet(block.scope("resnets." + j), x); // [N, Cin, H, W] -> [N, Cout, H, W]
    }
    if (upsample) {
      x = kernels.upsample2x(x); // [N, C, H, W] -> [N, C, 2H, 2W], nearest
      x = block.scope("upsamplers.0").conv2d(x, "conv", 1, 1); // [N, C, 2H, 2W]
    }
    return x;
  }

  @Override
  public void close() {
    weights.close();
  }
}
