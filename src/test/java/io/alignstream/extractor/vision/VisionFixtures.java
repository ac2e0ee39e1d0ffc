package io.alignstream.extractor.vision;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared vision fixtures (../shared/fixtures/vision: a ResNet and a ViT with random weights,
 * each as layers.pt, layers.onnx and model.onnx, with reference tensors made by PyTorch and PIL);
 * tests skip when they are absent.
 */
public final class VisionFixtures {

  static final List<String> MODELS = List.of("resnet", "vit");
  static final List<String> FILES = List.of("layers.pt", "layers.onnx", "model.onnx");

  private VisionFixtures() {}

  /** The vision fixtures folder, or an aborted (skipped) test when this checkout has no ../shared. */
  public static Path dir() {
    Path dir = Path.of("..", "shared", "fixtures", "vision");
    assumeTrue(Files.isRegularFile(dir.resolve("resnet").resolve("reference.safetensors")),
        "skipped: vision reference fixtures not found at " + dir.toAbsolutePath().normalize()
            + " (they live in the shared folder beside the project)");
    return dir;
  }

  public static Path model(String model) {
    return dir().resolve(model);
  }

  static SafetensorsFile reference(String model) {
    return SafetensorsFile.open(model(model).resolve("reference.safetensors"));
  }

  static JsonNode sidecar(String model) {
    try {
      return new ObjectMapper().readTree(model(model).resolve("reference.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The reference's layer names (module paths), in its order. */
  static List<String> layers(String model) {
    List<String> names = new ArrayList<>();
    sidecar(model).path("layers").fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The value of model.onnx that equals a layer's reference tensor. */
  static String modelOnnxValue(String model, String layer) {
    return sidecar(model).path("model_onnx_values").path(layer).asText();
  }

  /** The images, in the reference's order (sorted by name). */
  static List<Path> images() {
    List<Path> images = new ArrayList<>();
    sidecar("resnet").path("images").forEach(n -> images.add(dir().resolve("images").resolve(n.asText())));
    return images;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  /**
   * Image {@code n}'s vector of a reference layer [N, ...] pooled in plain Java (sums in double):
   * the independent computation the extractor's pooling, done by the networks' own runtimes, is
   * checked against.
   */
  static float[] pool(LayerPooling pooling, float[] values, long[] shape, int n) {
    int per = 1;
    for (int i = 1; i < shape.length; i++) {
      per *= (int) shape[i];
    }
    int offset = n * per;
    int d = shape.length == 3 ? (int) shape[2] : 0;
    return switch (pooling) {
      case FLATTEN, NONE -> java.util.Arrays.copyOfRange(values, offset, offset + per);
      case CLS -> java.util.Arrays.copyOfRange(values, offset, offset + d);
      case MEAN -> shape.length == 4 ? spatialMean(values, offset, (int) shape[1], (int) (shape[2] * shape[3]))
          : tokenMean(values, offset, (int) shape[1], d);
      case CLS_MEAN -> {
        float[] out = java.util.Arrays.copyOf(java.util.Arrays.copyOfRange(values, offset, offset + d), 2 * d);
        System.arraycopy(tokenMean(values, offset, (int) shape[1], d), 0, out, d, d);
        yield out;
      }
    };
  }

  /** [C, HW] -> [C]. */
  private static float[] spatialMean(float[] values, int offset, int channels, int positions) {
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (int i = 0; i < positions; i++) {
        sum += values[offset + c * positions + i];
      }
      out[c] = (float) (sum / positions);
    }
    return out;
  }

  /** [T, D] -> [D]. */
  private static float[] tokenMean(float[] values, int offset, int tokens, int d) {
    float[] out = new float[d];
    for (int i = 0; i < d; i++) {
      double sum = 0;
      for (int t = 0; t < tokens; t++) {
        sum += values[offset + t * d + i];
      }
      out[i] = (float) (sum / tokens);
    }
    return out;
  }
}
