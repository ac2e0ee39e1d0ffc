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
}
