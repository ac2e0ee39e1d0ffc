package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The TorchScript network keeps its input tensor across batches of one shape (made once on the
 * reused direct buffer): every other forward here is a different batch of the same shape, so a
 * tensor that kept its first values, or a buffer replaced under it, would fail the reference.
 */
class TorchScriptInputTest {

  @Test
  void batchesOfOneShapeEachGiveTheirOwnLayers() {
    List<String> layers = VisionFixtures.layers("vit");
    VisionModelSource source = VisionModelSource.resolve(VisionFixtures.model("vit").resolve("layers.pt").toString(),
        null).orElseThrow();
    VisionFeatureModel.Opened opened = VisionFeatureModel.openNetwork(source, "cpu", String.join(",", layers),
        new int[] {64, 64}, true);
    try (LayerNetwork network = opened.network(); SafetensorsFile ref = VisionFixtures.reference("vit")) {
      long[] shape = ref.info("input").dims();
      float[] input = ref.floats("input");
      float[] other = VisionFeatureModel.probeInput(shape);
      for (int i = 0; i < 4; i++) {
        Map<String, LayerNetwork.Output> probe = network.run(other, shape);
        Map<String, LayerNetwork.Output> out = network.run(input, shape);
        for (String layer : layers) {
          assertThat(VisionFixtures.maxAbsDiff(out.get(layer).values(), ref.floats("layer." + layer)))
              .as(layer + ", forward " + i).isLessThanOrEqualTo(1e-4);
          assertThat(VisionFixtures.maxAbsDiff(probe.get(layer).values(), ref.floats("layer." + layer)))
              .as(layer + " of the other batch").isGreaterThan(1e-3);
        }
      }
    }
  }
}
