package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.InputLimits;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.schema.LatentMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * From the fixture images: the preprocessed batch within one 8-bit grey level of PIL's (the
 * reference input, un-normalized back to 0..255), and every layer pooled from the extractor's
 * own preprocessing with cosine >= 0.999 to the same pooling of the reference layer.
 */
class VisionPreprocessingParityTest {

  @ParameterizedTest
  @ValueSource(strings = {"resnet", "vit"})
  void preprocessedImagesAreWithinOneGreyLevelOfPil(String model) {
    ImageProcessorConfig config = ImageProcessorConfig.read(VisionFixtures.model(model)
        .resolve("preprocessor_config.json"));
    VisionPreprocessor preprocessor = new VisionPreprocessor(config);
    try (SafetensorsFile ref = VisionFixtures.reference(model)) {
      float[] expected = ref.floats("input");
      List<Path> images = VisionFixtures.images();
      int plane = 64 * 64;
      double worst = 0;
      for (int i = 0; i < images.size(); i++) {
        float[] got = preprocessor.pixels(decode(images.get(i))).values();
        assertThat(got).hasSize(3 * plane);
        for (int c = 0; c < 3; c++) {
          for (int k = 0; k < plane; k++) {
            int at = c * plane + k;
            // back to grey levels: x * std + mean, in units of 1/255
            double a = (got[at] * config.std()[c] + config.mean()[c]) * 255;
            double b = (expected[i * 3 * plane + at] * config.std()[c] + config.mean()[c]) * 255;
            worst = Math.max(worst, Math.abs(a - b));
          }
        }
      }
      assertThat(worst).as("largest difference in grey levels").isLessThanOrEqualTo(1.0 + 1e-3);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet/layers.pt", "resnet/layers.onnx", "vit/layers.pt", "vit/layers.onnx"})
  void pooledLayersFromTheImagesMatchTheReference(String file) throws IOException {
    String model = file.substring(0, file.indexOf('/'));
    VisionModelSource source = VisionModelSource.resolve(VisionFixtures.dir().resolve(file).toString(), null)
        .orElseThrow();
    List<String> layers = VisionFixtures.layers(model);
    // every pooling of every layer's kind, so each is checked against the reference
    String pool = "mean,flatten,cls,cls+mean";
    ModelOptions options = ModelOptions.defaults().withTaps(String.join(",", layers)).withPooling(pool)
        .withUnetBatch(3);
    List<ImageInput> inputs = new ArrayList<>();
    for (Path image : VisionFixtures.images()) {
      inputs.add(new ImageInput(image.getFileName().toString(), "x", decode(image), List.of(0.0), List.of(),
          List.of(), 0, 0, LatentMode.MEAN));
    }
    try (VisionFeatureModel extractor = VisionFeatureModel.open(source, null, options);
        SafetensorsFile ref = VisionFixtures.reference(model)) {
      List<Feature> features = extractor.extract(inputs);
      assertThat(features).hasSize(inputs.size() * extractor.info().layers().size());
      for (Feature f : features) {
        long[] shape = ref.info("layer." + f.layer()).dims();
        float[] expected = VisionFixtures.pool(LayerPooling.parse(f.pooling()), ref.floats("layer." + f.layer()),
            shape, f.imageIndex());
        assertThat(VisionFixtures.cosine(f.vector(), expected))
            .as("%s layer %s pooled %s, image %d", file, f.layer(), f.pooling(), f.imageIndex())
            .isGreaterThanOrEqualTo(0.999);
      }
    }
  }

  static java.awt.image.BufferedImage decode(Path image) {
    try {
      return InputLimits.defaults().decode(Files.readAllBytes(image), image.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
