package io.alignstream.extractor.diffusion;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared diffusers reference fixtures (../shared/fixtures); tests skip when they are absent. */
public final class Fixtures {

  /** The reference's prompts, in its order. */
  public static final String[] PROMPTS = {"", "a photo of a cat", "a photo of an aardvark"};
  /** The reference's images. */
  static final int IMAGES = 2;

  private Fixtures() {}

  /** The fixtures folder, or an aborted (skipped) test when this checkout has no ../shared. */
  public static Path dir() {
    Path dir = Path.of("..", "shared", "fixtures");
    assumeTrue(Files.isRegularFile(dir.resolve("tiny-sd2-reference.safetensors")),
        "skipped: diffusers reference fixtures not found at " + dir.toAbsolutePath().normalize()
            + " (they live in the shared folder beside the project)");
    return dir;
  }

  public static Path tinySd2() {
    return dir().resolve("tiny-sd2");
  }

  public static SafetensorsFile reference() {
    return SafetensorsFile.open(dir().resolve("tiny-sd2-reference.safetensors"));
  }

  /**
   * diffusers' VAE decodes and one-step clean-latent estimates on tiny-sd2, committed with the
   * script that made them (src/test/resources/decoder/README.md).
   */
  public static SafetensorsFile decoderReference() {
    try {
      return SafetensorsFile.open(Path.of(Fixtures.class.getResource("/decoder/reference.safetensors").toURI()));
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JsonNode sidecar() {
    try {
      return new ObjectMapper().readTree(dir().resolve("tiny-sd2-reference.json").toFile());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The reference batch, image-major (batch index = image * 3 + prompt): each noisy latent
   * repeated once per prompt. [2, 4, h, w] -> [6, 4, h, w]
   */
  public static NDArray latents(NDManager m, SafetensorsFile ref, String prefix) {
    long[] s = ref.info(prefix + ".noisy_latents").dims();
    float[] x = ref.floats(prefix + ".noisy_latents");
    int per = x.length / IMAGES;
    float[] out = new float[x.length * PROMPTS.length];
    for (int image = 0; image < IMAGES; image++) {
      for (int prompt = 0; prompt < PROMPTS.length; prompt++) {
        System.arraycopy(x, image * per, out, (image * PROMPTS.length + prompt) * per, per);
      }
    }
    return m.create(out, new Shape(IMAGES * PROMPTS.length, s[1], s[2], s[3]));
  }

  /** The three prompts' text states tiled once per image: [3, 77, D] -> [6, 77, D]. */
  public static NDArray context(NDManager m, SafetensorsFile ref) {
    long[] s = ref.info("text.last_hidden_state").dims();
    float[] x = ref.floats("text.last_hidden_state");
    float[] out = new float[x.length * IMAGES];
    for (int image = 0; image < IMAGES; image++) {
      System.arraycopy(x, 0, out, image * x.length, x.length);
    }
    return m.create(out, new Shape(IMAGES * s[0], s[1], s[2]));
  }

  /** The largest absolute difference; NaN as soon as one difference is NaN. */
  public static float maxAbsDiff(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      throw new AssertionError(actual.length + " values, expected " + expected.length);
    }
    float max = 0;
    for (int i = 0; i < actual.length; i++) {
      float d = Math.abs(actual[i] - expected[i]);
      if (Float.isNaN(d)) {
        return Float.NaN;
      }
      max = Math.max(max, d);
    }
    return max;
  }
}
