package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The per-image noise stream: reproducible, ordered (posterior eps, then diffusion eps), standard normal. */
class ImageNoiseTest {

  @Test
  void oneStreamPerSeedPosteriorFirstThenDiffusion() {
    ImageNoise a = ImageNoise.draw(42, 1024);
    ImageNoise b = ImageNoise.draw(42, 1024);
    assertThat(a.posterior()).containsExactly(b.posterior());
    assertThat(a.diffusion()).containsExactly(b.diffusion());
    float[] stream = ImageNoise.gaussians(new SplittableRandom(42), 2048);
    assertThat(a.posterior()).containsExactly(Arrays.copyOfRange(stream, 0, 1024));
    assertThat(a.diffusion()).containsExactly(Arrays.copyOfRange(stream, 1024, 2048));
    assertThat(ImageNoise.draw(43, 1024).diffusion()).isNotEqualTo(a.diffusion());
  }

  @Test
  void valuesAreStandardNormal() {
    float[] v = ImageNoise.draw(7, 200_000).diffusion();
    double mean = 0;
    for (float x : v) {
      mean += x;
    }
    mean /= v.length;
    double var = 0;
    long beyondTwoSigma = 0;
    for (float x : v) {
      var += (x - mean) * (x - mean);
      beyondTwoSigma += Math.abs(x) > 2 ? 1 : 0;
    }
    var /= v.length;
    // standard errors at n = 200k: mean 0.0022, variance 0.0032; P(|x| > 2) = 0.0455
    assertThat(mean).isCloseTo(0, within(0.01));
    assertThat(var).isCloseTo(1, within(0.015));
    assertThat((double) beyondTwoSigma / v.length).isCloseTo(0.0455, within(0.003));
  }
}
