package io.alignstream.extractor.diffusion;

import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * {@code --noise FILE.safetensors:TENSOR}: diffusion noise computed elsewhere (e.g. torch's
 * {@code randn}, which no Java generator reproduces) injected instead of the seeded draw, so that
 * a command's output can be compared with a PyTorch run.
 *
 * @param file the safetensors file
 * @param tensor the tensor's name in it, [images, latent channels, latent side, latent side]
 */
public record InjectedNoise(Path file, String tensor) {

  /**
   * Parses the option's value and checks that the file exists (its shape is checked once the
   * model says what it must be, see {@link #read}).
   */
  public static InjectedNoise parse(String spec) {
    int colon = spec.lastIndexOf(':');
    if (colon <= 0 || colon == spec.length() - 1) {
      throw new IllegalArgumentException("--noise must be FILE.safetensors:TENSOR, got '" + spec + "'");
    }
    Path file = Path.of(spec.substring(0, colon));
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--noise file not found: " + file.toAbsolutePath().normalize());
    }
    return new InjectedNoise(file, spec.substring(colon + 1));
  }

  /**
   * The noise values, row-major.
   *
   * @param expected [images, latent channels, latent side, latent side]
   * @param resolution the image side the latent side comes from (for the message)
   * @throws IllegalArgumentException when the tensor is absent or has another shape
   */
  public float[] read(long[] expected, int resolution) {
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      if (!st.contains(tensor)) {
        throw new IllegalArgumentException("--noise: " + file + " has no tensor '" + tensor + "'");
      }
      long[] found = st.info(tensor).dims();
      if (!Arrays.equals(found, expected)) {
        throw new IllegalArgumentException("--noise tensor '" + tensor + "' in " + file + " has shape "
            + Arrays.toString(found) + "; expected " + Arrays.toString(expected)
            + " (images, latent channels, latent side, latent side at resolution " + resolution + ")");
      }
      return st.floats(tensor);
    }
  }

  /**
   * The diffusion noise of each of a run's images: its slice of the injected tensor, or, when
   * nothing is injected, the seeded draw ({@link ImageNoise}), the same for every image since
   * they share the run's one seed. The arrays are shared: read them, never write them.
   *
   * @param latentShape [latent channels, latent side, latent side]
   * @param resolution the image side the latent side comes from (for the message)
   */
  public static List<float[]> perImage(InjectedNoise injected, long seed, int images, long[] latentShape,
      int resolution) {
    int per = Math.toIntExact(latentShape[0] * latentShape[1] * latentShape[2]);
    if (injected == null) {
      return Collections.nCopies(images, ImageNoise.draw(seed, per).diffusion());
    }
    float[] all = injected.read(new long[] {images, latentShape[0], latentShape[1], latentShape[2]}, resolution);
    List<float[]> eps = new ArrayList<>(images);
    for (int i = 0; i < images; i++) {
      eps.add(Arrays.copyOfRange(all, i * per, (i + 1) * per));
    }
    return eps;
  }

  /** Where a run's diffusion noise comes from, as the files it writes record it. */
  public static String describe(InjectedNoise injected) {
    return injected == null
        ? "seeded: SplittableRandom(seed) Box-Muller, posterior eps then diffusion eps per image"
        : "injected: " + injected;
  }

  @Override
  public String toString() {
    return file + ":" + tensor;
  }
}
