package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer of every fixture file (layers.pt on DJL's PyTorch engine, layers.onnx and the plain
 * model.onnx on ONNX Runtime, the latter by the value names reference.json gives) matches the
 * PyTorch reference within 1e-4 from the reference input.
 */
class VisionNetworkParityTest {

  static List<Arguments> files() {
    return VisionFixtures.MODELS.stream()
        .flatMap(m -> VisionFixtures.FILES.stream().map(f -> Arguments.of(m, f))).toList();
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("files")
  void everyLayerMatchesTheReference(String model, String file) {
    Path path = VisionFixtures.model(model).resolve(file);
    List<String> layers = VisionFixtures.layers(model);
    boolean plain = file.equals("model.onnx");
    String spec = String.join(",", layers.stream().map(l -> plain ? VisionFixtures.modelOnnxValue(model, l) : l)
        .toList());
    VisionModelSource source = VisionModelSource.resolve(path.toString(), null).orElseThrow();
    VisionFeatureModel.Opened opened = VisionFeatureModel.openNetwork(source, "cpu", spec, new int[] {64, 64}, true);
    try (LayerNetwork network = opened.network(); SafetensorsFile ref = VisionFixtures.reference(model)) {
      long[] shape = ref.info("input").dims();
      Map<String, LayerNetwork.Output> out = network.run(ref.floats("input"), shape);
      for (String layer : layers) {
        LayerNetwork.Output o = out.get(plain ? VisionFixtures.modelOnnxValue(model, layer) : layer);
        assertThat(o).as("%s/%s layer %s", model, file, layer).isNotNull();
        assertThat(o.shape()).isEqualTo(ref.info("layer." + layer).dims());
        assertThat(VisionFixtures.maxAbsDiff(o.values(), ref.floats("layer." + layer)))
            .as("%s/%s layer %s", model, file, layer).isLessThanOrEqualTo(1e-4);
      }
    }
  }
}
