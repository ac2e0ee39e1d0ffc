package io.alignstream.extractor.diffusion;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared diffusers reference fixtures (../shared/fixtures); tests skip when they are absent. */
final class Fixtures {

  private Fixtures() {}

  /** The fixtures folder, or an aborted (skipped) test when this checkout has no ../shared. */
  static Path dir() {
    Path dir = Path.of("..", "shared", "fixtures");
    assumeTrue(Files.isRegularFile(dir.resolve("tiny-sd2-reference.safetensors")),
        "skipped: diffusers reference fixtures not found at " + dir.toAbsolutePath().normalize()
            + " (they live in the shared folder beside the project)");
    return dir;
  }

  static Path tinySd2() {
    return dir().resolve("tiny-sd2");
  }

  static SafetensorsFile reference() {
    return SafetensorsFile.open(dir().resolve("tiny-sd2-reference.safetensors"));
  }

  static JsonNode sidecar() {
    try {
      return new ObjectMapper().readTree(dir().resolve("tiny-sd2-reference.json").toFile());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static float maxAbsDiff(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      throw new AssertionError(actual.length + " values, expected " + expected.length);
    }
    float max = 0;
    for (int i = 0; i < actual.length; i++) {
      float d = Math.abs(actual[i] - expected[i]);
      if (!(d <= max)) {
        max = Float.isNaN(d) ? Float.NaN : d;
        if (Float.isNaN(d)) {
          return d;
        }
      }
    }
    return max;
  }
}
