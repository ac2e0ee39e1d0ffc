package io.alignstream.extractor.diffusion.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * diffusers' {@code DiagonalGaussianDistribution} of the VAE encoder.
 *
 * @param moments raw quant_conv output [N, 2*latent, h, w]: mean, then unclamped log-variance
 * @param mean [N, latent, h, w]
 * @param logvar log-variance clamped to [-30, 20] [N, latent, h, w]
 * @param std exp(0.5 logvar) [N, latent, h, w]
 */
public record Posterior(NDArray moments, NDArray mean, NDArray logvar, NDArray std) {

  /** Splits moments into the distribution's parameters (new arrays in the moments' manager). */
  static Posterior of(NDArray moments, int latentChannels) {
    long c = latentChannels;
    NDArray mean = moments.get(":, 0:" + c); // [N, 2c, h, w] -> [N, c, h, w]
    NDArray logvar = moments.get(":, " + c + ":" + 2 * c).clip(-30f, 20f); // [N, c, h, w]
    NDArray std = logvar.mul(0.5f).exp(); // [N, c, h, w]
    return new Posterior(moments, mean, logvar, std);
  }

  /** Moves all four arrays to another manager (so they outlive the forward's scope). */
  void attach(NDManager manager) {
    moments.attach(manager);
    mean.attach(manager);
    logvar.attach(manager);
    std.attach(manager);
  }
}
