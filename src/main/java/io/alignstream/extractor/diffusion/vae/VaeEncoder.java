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
 * The encoder of diffusers' {@code AutoencoderKL} and its diagonal-Gaussian posterior: images in
 * [-1, 1] to moments, mean, log-variance, standard deviation, and scaled latents for the UNet.
 *
 * <p>Architecture (weights under {@code encoder.*} and {@code quant_conv.*} of {@code vae/}):
 * conv_in; per down block {@code layers_per_block} ResnetBlock2D and, except after the last
 * block, a Downsample2D; mid block (resnet, single-head attention, resnet); GroupNorm, SiLU,
 * conv_out; quant_conv. The resnets and the mid block are {@link VaeBlocks}, shared with the
 * {@link VaeDecoder}.
 */
public final class VaeEncoder implements AutoCloseable {

  private final VaeConfig config;
  private final VaeBlocks blocks;
  private final WeightStore weights;
  private final Kernels kernels;

  public VaeEncoder(ComponentFolder vae, Placement placement) {
    this(VaeConfig.parse(vae.configReader()), vae.loadWeights(placement, "encoder.", "quant_conv."));
  }

  /** An encoder over weights already loaded (e.g. random ones); it owns the store from now on. */
  public VaeEncoder(VaeConfig config, WeightStore weights) {
    this(config, weights, Kernels.configured());
  }

  private VaeEncoder(VaeConfig config, WeightStore weights, Kernels kernels) {
    this.config = config;
    this.blocks = new VaeBlocks(config);
    this.weights = weights;
    this.kernels = kernels;
  }

  /** The same encoder computing with other kernels; the two share one weight store (closing either closes it). */
  public VaeEncoder using(Kernels kernels) {
    return new VaeEncoder(config, weights, kernels);
  }

  /** The {@code vae} component of a pipeline folder. */
  public static VaeEncoder load(PipelineFolder pipeline, Placement placement) {
    return new VaeEncoder(pipeline.component("vae", "AutoencoderKL"), placement);
  }

  public VaeConfig config() {
    return config;
  }

  public WeightStore weights() {
    return weights;
  }

  /**
   * The posterior of each image; all of its arrays are in {@code pixels}' manager.
   *
   * @param pixels [N, 3, H, W] in [-1, 1], H and W divisible by 2^(blocks-1)
   */
  public Posterior encode(NDArray pixels) {
    NDManager caller = pixels.getManager();
    try (NDManager scope = caller.newSubManager(weights.placement().device())) {
      Weights enc = weights.scope("encoder").using(kernels);
      NDArray x = kernels.layout(Ops.enter(pixels, scope, weights.dtype())); // [N, 3, H, W]
      NDArray h = enc.conv2d(x, "conv_in", 1, 1); // [N, 3, H, W] -> [N, C0, H, W]
      int levels = config.blockOutChannels().size();
      for (int i = 0; i < levels; i++) {
        h = downBlock(enc.scope("down_blocks." + i), h, i < levels - 1); // [N, Ci, H/2^i, W/2^i]
      }
      h = blocks.midBlock(enc.scope("mid_block"), h); // [N, Clast, h, w]
      h = blocks.normOut(enc, h); // [N, Clast, h, w]
      h = enc.conv2d(h, "conv_out", 1, 1); // [N, Clast, h, w] -> [N, 2*latent, h, w]
      if (config.useQuantConv()) {
        h = weights.root().using(kernels).conv2d(h, "quant_conv", 1, 0); // [N, 2*latent, h, w], 1x1
      }
      Posterior posterior = Posterior.of(h, config.latentChannels());
      posterior.attach(caller);
      return posterior;
    }
  }

  /**
   * Latents for the UNet: scaling_factor * (z - shift_factor), z = mean + std * eps (a sample) or
   * the mean when {@code eps} is null.
   *
   * @param eps standard normal noise [N, latent, h, w], or null for the posterior mean
   * @return [N, latent, h, w] in the posterior's manager
   */
  public NDArray latents(Posterior posterior, NDArray eps) {
    NDArray z = eps == null ? posterior.mean() : posterior.mean().add(posterior.std().mul(eps)); // [N, 4, h, w]
    float scale = (float) config.scalingFactor();
    return config.shiftFactor() == 0 ? z.mul(scale) : z.sub((float) config.shiftFactor()).mul(scale);
  }

  /** DownEncoderBlock2D: resnets, then a Downsample2D except after the last block. */
  private NDArray downBlock(Weights block, NDArray x, boolean downsample) {
    for (int j = 0; j < config.layersPerBlock(); j++) {
      x = blocks.resnet(block.scope("resnets." + j), x); // [N, Cin, H, W] -> [N, Cout, H, W]
    }
    if (downsample) {
      // The VAE's Downsample2D pads (0, 1, 0, 1) and convolves with stride 2, padding 0.
      x = kernels.padRightBottom(x); // [N, C, H, W] -> [N, C, H+1, W+1]
      x = block.scope("downsamplers.0").conv2d(x, "conv", 2, 0); // -> [N, C, H/2, W/2]
    }
    return x;
  }

  @Override
  public void close() {
    weights.close();
  }
}
