package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code features} and {@code layers} on the fixture models through the command line, and the bad
 * inputs of issue 15: each a clear one-line error with exit code 2.
 */
class VisionCommandsTest {

  @TempDir
  Path tmp;

  @Test
  void featuresFromTheReferenceInputWriteInputAndEveryLayerWithinTolerance() {
    Path ref = VisionFixtures.model("vit").resolve("reference.safetensors");
    List<String> layers = VisionFixtures.layers("vit");
    Path out = tmp.resolve("vit.safetensors");
    CommandRun run = CommandRun.run("features", "--model", VisionFixtures.model("vit").resolve("layers.onnx").toString(),
        "--layers", String.join(",", layers), "--pool", "none", "--input-tensor", ref + ":input", "--out",
        out.toString());
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out); SafetensorsFile expected = SafetensorsFile.open(ref)) {
      assertThat(written.floats("input")).containsExactly(expected.floats("input"));
      for (String layer : layers) {
        assertThat(written.info("layer." + layer).dims()).isEqualTo(expected.info("layer." + layer).dims());
        assertThat(VisionFixtures.maxAbsDiff(written.floats("layer." + layer), expected.floats("layer." + layer)))
            .as(layer).isLessThanOrEqualTo(1e-4);
      }
      assertThat(written.metadata()).containsEntry("model_format", "onnx");
    }
  }

  @Test
  void featuresFromImagesWritePooledLayers() {
    Path out = tmp.resolve("resnet.safetensors");
    String[] args = {"features", "--model", VisionFixtures.model("resnet").toString(), "--layers", "layer4,fc",
        "--pool", "layer4=mean,layer4=flatten", "--out", out.toString()};
    List<String> images = VisionFixtures.images().stream().map(Path::toString).toList();
    String[] all = new String[args.length + 2 * images.size()];
    System.arraycopy(args, 0, all, 0, args.length);
    for (int i = 0; i < images.size(); i++) {
      all[args.length + 2 * i] = "--image";
      all[args.length + 2 * i + 1] = images.get(i);
    }
    CommandRun run = CommandRun.run(all);
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out)) {
      assertThat(written.names()).containsExactlyInAnyOrder("input", "layer.layer4.mean", "layer.layer4.flatten",
          "layer.fc");
      assertThat(written.info("layer.layer4.mean").dims()).containsExactly(4, 512);
      assertThat(written.info("layer.layer4.flatten").dims()).containsExactly(4, 512 * 2 * 2);
      assertThat(written.info("layer.fc").dims()).containsExactly(4, 16);
    }
  }

  @Test
  void layersListsEveryValueWithItsShape() {
    CommandRun run = CommandRun.run("layers", "--model", VisionFixtures.model("resnet").resolve("model.onnx")
        .toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("/layer4/layer4.0/relu_1/Relu_output_0").contains("[1, 512, 2, 2]")
        .containsPattern("logits +\\[1, 16\\] +vector +none +\\(exported\\)");
  }

  @Test
  void layersOfATorchScriptFileListItsOutputsAndTheModulesToExportMoreFrom() {
    CommandRun run = CommandRun.run("layers", "--model", VisionFixtures.model("vit").resolve("layers.pt").toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("encoder.ln +\\[1, 17, 64\\] +tokens +cls, mean, cls\\+mean, flatten +\\(exported\\)")
        .containsPattern("heads +\\[1, 16\\] +vector +none +\\(exported\\)")
        .contains("4 values per image, 4 exported")
        .contains("modules in the archive (32)")
        .containsPattern("\\n  model\\.encoder\\.layers\\.encoder_layer_1\\.mlp\\.1 +GELU\\n");
  }

  @Test
  void aLayerThatIsAModuleOfTheArchiveButNoOutputSaysHowToExportIt() {
    CommandRun run = CommandRun.run("features", "--model", VisionFixtures.model("resnet").resolve("layers.pt")
        .toString(), "--layers", "maxpool", "--input-tensor", reference("resnet"), "--out", tmp.resolve("x").toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("the model has no layer 'maxpool'")
        .contains("The archive has module model.maxpool (MaxPool2d), but a traced module gives only what forward "
            + "returns: export again with a forward hook on it");
  }

  @Test
  void anUnknownLayerListsTheClosestNames() {
    CommandRun run = CommandRun.run("features", "--model", VisionFixtures.model("resnet").resolve("layers.pt")
        .toString(), "--layers", "layer5", "--input-tensor", reference("resnet"), "--out", tmp.resolve("x").toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("the model has no layer 'layer5'; closest: layer1, layer2, layer3, layer4");
  }

  @Test
  void anInputThatIsNotNByThreeByHByWIsRefused() throws IOException {
    Path bad = tmp.resolve("bad.safetensors");
    new io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter().putFloats("x", new long[] {2, 1, 64, 64},
        new float[2 * 64 * 64]).write(bad);
    CommandRun run = CommandRun.run("features", "--model", VisionFixtures.model("resnet").resolve("layers.onnx")
        .toString(), "--input-tensor", bad + ":x", "--out", tmp.resolve("x").toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("has shape [2, 1, 64, 64]; a vision model takes images [N, 3, H, W]");
  }

  @Test
  void truncatedAndForeignFilesAreRefused() throws IOException {
    Path truncated = VisionModelCopies.truncated(VisionFixtures.model("vit").resolve("layers.onnx"), 1.0 / 3,
        tmp.resolve("truncated.onnx"));
    CommandRun run = CommandRun.run("layers", "--model", truncated.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("is not an ONNX model");

    Path cut = VisionModelCopies.truncated(VisionFixtures.model("vit").resolve("layers.pt"), 0.5,
        tmp.resolve("cut.pt"));
    run = CommandRun.run("layers", "--model", cut.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("is not a TorchScript module libtorch can load");

    Path text = tmp.resolve("notes.pt");
    Files.writeString(text, "not a model");
    run = CommandRun.run("layers", "--model", text.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("is neither a TorchScript archive");
  }

  @Test
  void externalDataKeepsWorkingWhenTheGraphIsEditedAndAMissingFileIsNamed() throws IOException {
    // The fixture's model.onnx with every initializer moved to one external data file.
    Path dir = VisionModelCopies.withExternalData(VisionFixtures.model("resnet").resolve("model.onnx"),
        tmp.resolve("external")).getParent();
    assertThat(Files.size(dir.resolve("model.onnx"))).isLessThan(100_000);

    Path out = tmp.resolve("external.safetensors");
    String layer4 = VisionFixtures.modelOnnxValue("resnet", "layer4");
    CommandRun run = CommandRun.run("features", "--model", dir.resolve("model.onnx").toString(), "--layers", layer4,
        "--pool", "none", "--input-tensor", reference("resnet"), "--out", out.toString());
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out); SafetensorsFile ref = VisionFixtures.reference("resnet")) {
      assertThat(VisionFixtures.maxAbsDiff(written.floats("layer." + layer4), ref.floats("layer.layer4")))
          .isLessThanOrEqualTo(1e-4);
    }

    Files.delete(dir.resolve("weights.bin"));
    run = CommandRun.run("layers", "--model", dir.resolve("model.onnx").toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("in the external data file weights.bin, which is missing");
  }

  private static String reference(String model) {
    return VisionFixtures.model(model).resolve("reference.safetensors") + ":input";
  }
}
