package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.nn.TorchScriptArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pooling module compiled for a TorchScript network ({@link TorchScriptPooling}) gives every
 * pooling of every layer as {@link VisionFixtures#pool} computes it in plain Java, whatever the
 * user's module returns: the fixtures' {@code Dict[str, Tensor]} against their reference tensors,
 * and modules written here that return a tuple, a list, one tensor, or a dictionary whose key
 * needs escaping, against their input.
 */
class TorchScriptPoolingTest {

  @TempDir
  Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "vit"})
  void everyPoolingOfEveryFixtureLayerMatchesTheReference(String model) {
    List<String> layers = VisionFixtures.layers(model);
    VisionModelSource source = VisionModelSource.resolve(VisionFixtures.model(model).resolve("layers.pt").toString(),
        null).orElseThrow();
    VisionFeatureModel.Opened opened = VisionFeatureModel.openNetwork(source, "cpu", String.join(",", layers),
        new int[] {64, 64}, true);
    List<LayerSelection.Target> targets = everyPooling(opened.shapes());
    try (LayerNetwork network = opened.network().pooled(targets, opened.shapes());
        SafetensorsFile ref = VisionFixtures.reference(model)) {
      long[] shape = ref.info("input").dims();
      Map<String, LayerNetwork.Output> out = network.run(ref.floats("input"), shape);
      assertThat(out.keySet()).containsExactlyElementsOf(targets.stream().map(LayerSelection.Target::key).toList());
      for (LayerSelection.Target t : targets) {
        long[] layerShape = ref.info("layer." + t.layer()).dims();
        assertPooled(out.get(t.key()), t, ref.floats("layer." + t.layer()), layerShape);
      }
    }
  }

  @Test
  void aModuleReturningATupleAListOrOneTensorIsPooledByPosition() throws IOException {
    long[] shape = {2, 3, 4, 5};
    float[] pixels = random(shape);
    float[] tokens = tokens(pixels, shape); // [N, H*W, C]
    long[] tokenShape = {2, 20, 3};
    String tokensOf = "torch.transpose(torch.flatten(x, 2), 1, 2)"; // [N, C, H, W] -> [N, H*W, C], not contiguous
    Map<String, String[]> modules = new LinkedHashMap<>(); // name -> {result type, result expression}
    modules.put("tuple", new String[] {"Tuple[Tensor, Tensor]", "(x, " + tokensOf + ")"});
    modules.put("list", new String[] {"List[Tensor]", "[x, " + tokensOf + "]"});
    modules.put("tensor", new String[] {"Tensor", tokensOf});
    modules.put("dict", new String[] {"Dict[str, Tensor]", "{\"block\\\"1\\\\a\": " + tokensOf + "}"});
    for (Map.Entry<String, String[]> m : modules.entrySet()) {
      Path file = userModule(m.getKey(), m.getValue()[0], m.getValue()[1]);
      TorchScriptNetwork network = TorchScriptNetwork.open(file, Device.cpu());
      Map<String, LayerNetwork.Output> plain = network.run(pixels, shape);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      plain.forEach((name, o) -> shapes.put(name, o.shape()));
      List<LayerSelection.Target> targets = everyPooling(shapes);
      try (LayerNetwork pooled = network.pooled(targets, shapes)) {
        Map<String, LayerNetwork.Output> out = pooled.run(pixels, shape);
        for (LayerSelection.Target t : targets) {
          boolean map = shapes.get(t.layer()).length == 4;
          assertPooled(out.get(t.key()), t, map ? pixels : tokens, map ? shape : tokenShape);
        }
        assertThat(network.exportedLayers()).as(m.getKey()).containsExactlyElementsOf(switch (m.getKey()) {
          case "tuple", "list" -> List.of("output.0", "output.1");
          case "tensor" -> List.of("output");
          default -> List.of("block\"1\\a");
        });
      }
    }
  }

  /** Every pooling each layer's kind offers. */
  private static List<LayerSelection.Target> everyPooling(Map<String, long[]> shapes) {
    List<LayerSelection.Target> targets = new ArrayList<>();
    shapes.forEach((layer, shape) -> LayerPooling.Kind.of(layer, shape).poolings
        .forEach(p -> targets.add(new LayerSelection.Target(layer, p))));
    return targets;
  }

  /** {@code got} holds each image's vector of {@code values} [N, ...] pooled in plain Java, in its shape. */
  private static void assertPooled(LayerNetwork.Output got, LayerSelection.Target t, float[] values, long[] shape) {
    int images = (int) shape[0];
    int length = t.pooling().length(shape);
    float[] expected = new float[images * length];
    for (int n = 0; n < images; n++) {
      System.arraycopy(VisionFixtures.pool(t.pooling(), values, shape, n), 0, expected, n * length, length);
    }
    long[] expectedShape = switch (t.pooling()) {
      case FLATTEN, NONE -> shape;
      default -> new long[] {images, length};
    };
    assertThat(got.shape()).as(t.key()).containsExactly(expectedShape);
    assertThat(got.values()).as(t.key()).hasSize(expected.length);
    assertThat(VisionFixtures.maxAbsDiff(got.values(), expected)).as(t.key()).isLessThanOrEqualTo(1e-5);
  }

  /** A parameter-free TorchScript archive whose forward(x) returns {@code result} of type {@code type}. */
  private Path userModule(String name, String type, String result) throws IOException {
    String source = String.join("\n",
        "class Net(Module):",
        "  __parameters__ = []",
        "  __buffers__ = []",
        "  training : bool",
        "  def forward(self: __torch__.Net, x: Tensor) -> " + type + ":",
        "    return " + result,
        "");
    return Files.write(tmp.resolve(name + ".pt"), TorchScriptArchive.archive("Net", source));
  }

  private static float[] random(long[] shape) {
    SplittableRandom random = new SplittableRandom(15);
    float[] values = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  /** [N, C, H, W] as [N, H*W, C]. */
  private static float[] tokens(float[] pixels, long[] shape) {
    int c = (int) shape[1];
    int positions = (int) (shape[2] * shape[3]);
    float[] out = new float[pixels.length];
    for (int n = 0; n < shape[0]; n++) {
      for (int ch = 0; ch < c; ch++) {
        for (int p = 0; p < positions; p++) {
          out[(n * positions + p) * c + ch] = pixels[(n * c + ch) * positions + p];
        }
      }
    }
    return out;
  }
}
