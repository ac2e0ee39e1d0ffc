package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The tiny SD3 fixtures of src/test/resources/sd3 (see the README there): folders and references. */
final class Sd3Fixtures {

  /** The reference's prompts, in its order. */
  static final String[] PROMPTS = {"", "a photo of a cat", "a photo of an aardvark"};
  static final int IMAGES = 2;

  private Sd3Fixtures() {}

  static Path dir() {
    try {
      return Path.of(Sd3Fixtures.class.getResource("/sd3").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "tiny-sd3" (with T5) or "tiny-sd3-no-t5". */
  static Path pipeline(String name) {
    return dir().resolve(name);
  }

  static SafetensorsFile reference(String name) {
    return SafetensorsFile.open(dir().resolve(name + "-reference.safetensors"));
  }

  static JsonNode sidecar(String name) {
    try {
      return new ObjectMapper().readTree(dir().resolve(name + "-reference.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static NDArray tensor(NDManager m, SafetensorsFile ref, String name) {
    return m.create(ref.floats(name), new Shape(ref.info(name).dims()));
  }

  /** A per-image tensor [2, ...] repeated once per prompt, image-major: [6, ...]. */
  static NDArray perPair(NDManager m, SafetensorsFile ref, String name) {
    long[] s = ref.info(name).dims();
    float[] x = ref.floats(name);
    int per = x.length / IMAGES;
    float[] out = new float[x.length * PROMPTS.length];
    for (int image = 0; image < IMAGES; image++) {
      for (int prompt = 0; prompt < PROMPTS.length; prompt++) {
        System.arraycopy(x, image * per, out, (image * PROMPTS.length + prompt) * per, per);
      }
    }
    long[] shape = s.clone();
    shape[0] = (long) IMAGES * PROMPTS.length;
    return m.create(out, new Shape(shape));
  }

  /** A per-prompt tensor [3, ...] tiled once per image: [6, ...]. */
  static NDArray perPrompt(NDManager m, SafetensorsFile ref, String name) {
    long[] s = ref.info(name).dims();
    float[] x = ref.floats(name);
    float[] out = new float[x.length * IMAGES];
    for (int image = 0; image < IMAGES; image++) {
      System.arraycopy(x, 0, out, image * x.length, x.length);
    }
    long[] shape = s.clone();
    shape[0] = s[0] * IMAGES;
    return m.create(out, new Shape(shape));
  }

  /** The largest absolute difference; NaN as soon as one difference is NaN. */
  static float maxAbsDiff(float[] actual, float[] expected) {
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
