package io.alignstream.extractor.diffusion;

import java.util.SplittableRandom;

/**
 * docs/method.md's "one seeded draw per image": the standard normal values one image's extraction uses,
 * drawn from one stream seeded by the request's seed in a fixed order: first the posterior
 * sample's eps (z = mean + std * eps), then the diffusion noise eps (x_t = sqrt(abar) z0 +
 * sqrt(1 - abar) eps). Every layer, noise level and conditioning of the image shares them, so
 * settings differ only in what they are meant to differ in.
 *
 * <p>The posterior values are drawn even when the latent is the posterior mean, so that an
 * image's diffusion noise is the same whichever latent mode a request asks for.
 *
 * <p>The stream is {@link SplittableRandom} with Box-Muller, both fully specified algorithms, so
 * the values are identical on every JVM and device. They cannot reproduce torch's
 * {@code randn} draws (a different generator); to compare with a PyTorch run, inject its noise
 * (as the {@code features} command's {@code --noise} does).
 *
 * @param posterior eps of the posterior sample, [latent channels, h, w] row-major
 * @param diffusion eps of the forward diffusion, [latent channels, h, w] row-major
 */
public record ImageNoise(float[] posterior, float[] diffusion) {

  /** The two draws for an image whose latent has {@code valuesEach} elements. */
  public static ImageNoise draw(long seed, int valuesEach) {
    float[] both = gaussians(new SplittableRandom(seed), 2 * valuesEach);
    float[] posterior = new float[valuesEach];
    float[] diffusion = new float[valuesEach];
    System.arraycopy(both, 0, posterior, 0, valuesEach);
    System.arraycopy(both, valuesEach, diffusion, 0, valuesEach);
    return new ImageNoise(posterior, diffusion);
  }

  /** Standard normal values by Box-Muller: each pair of uniforms gives a cosine and a sine value. */
  static float[] gaussians(SplittableRandom rng, int count) {
    float[] out = new float[count];
    for (int i = 0; i < count; i += 2) {
      double u1 = 1.0 - rng.nextDouble(); // (0, 1]: the log is finite
      double u2 = rng.nextDouble();
      double r = Math.sqrt(-2.0 * Math.log(u1));
      out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < count) {
        out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
      }
    }
    return out;
  }
}
