package io.alignstream.extractor.diffusion.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.extractor.nn.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightStoreTest {

  @TempDir Path tmp;

  private Path pipeline() throws Exception {
    Files.writeString(tmp.resolve("model_index.json"),
        "{\"_class_name\":\"StableDiffusionPipeline\",\"vae\":[\"diffusers\",\"AutoencoderKL\"],"
            + "\"unet\":[\"diffusers\",\"UNet2DConditionModel\"],\"safety_checker\":[null,null]}");
    Path vae = Files.createDirectories(tmp.resolve("vae"));
    Files.writeString(vae.resolve("config.json"), "{\"_class_name\":\"AutoencoderKL\"}");
    new SafetensorsWriter()
        .putFloats("encoder.conv_in.weight", new long[] {2, 3, 1, 1}, new float[6])
        .putFloats("encoder.conv_in.bias", new long[] {2}, new float[] {1, 2})
        .putFloats("decoder.conv_in.bias", new long[] {2}, new float[2])
        .write(vae.resolve("diffusion_pytorch_model.safetensors"));
    // The unet is sharded in two files with an index, and only an fp16 variant is present.
    Path unet = Files.createDirectories(tmp.resolve("unet"));
    Files.writeString(unet.resolve("config.json"), "{\"_class_name\":\"UNet2DConditionModel\"}");
    new SafetensorsWriter()
        .putRaw("conv_in.bias", SafeDtype.F16, new long[] {1}, new byte[] {0x00, 0x3C})
        .write(unet.resolve("diffusion_pytorch_model-00001-of-00002.fp16.safetensors"));
    new SafetensorsWriter()
        .putRaw("conv_out.bias", SafeDtype.BF16, new long[] {1}, new byte[] {0x00, (byte) 0xC0})
        .write(unet.resolve("diffusion_pytorch_model-00002-of-00002.fp16.safetensors"));
    Files.writeString(unet.resolve("diffusion_pytorch_model.safetensors.index.fp16.json"),
        "{\"metadata\":{},\"weight_map\":{"
            + "\"conv_in.bias\":\"diffusion_pytorch_model-00001-of-00002.fp16.safetensors\","
            + "\"conv_out.bias\":\"diffusion_pytorch_model-00002-of-00002.fp16.safetensors\"}}");
    return tmp;
  }

  @Test
  void loadsByCheckpointNameWithPrefixes() throws Exception {
    PipelineFolder p = PipelineFolder.open(pipeline());
    assertThat(p.components()).containsOnlyKeys("unet", "vae");
    try (WeightStore vae = p.component("vae", "AutoencoderKL").loadWeights(Placement.cpu(), "encoder.")) {
      assertThat(vae.loadedNames()).containsExactly("encoder.conv_in.weight", "encoder.conv_in.bias");
      assertThat(vae.scope("encoder").scope("conv_in").tensor("bias", 2).toFloatArray()).containsExactly(1, 2);
      assertThat(vae.contains("decoder.conv_in.bias")).isTrue();
      assertThatThrownBy(() -> vae.get("decoder.conv_in.bias"))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("not loaded")
          .hasMessageContaining("encoder.");
    }
  }

  @Test
  void missingTensorNamesTensorAndComponentFolder() throws Exception {
    PipelineFolder p = PipelineFolder.open(pipeline());
    try (WeightStore vae = p.component("vae").loadWeights(Placement.cpu())) {
      assertThatThrownBy(() -> vae.scope("encoder.mid_block.resnets.0").tensor("norm1.weight"))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("missing tensor 'encoder.mid_block.resnets.0.norm1.weight'")
          .hasMessageContaining("component 'vae'")
          .hasMessageContaining(tmp.resolve("vae").toString());
    }
  }

  @Test
  void misShapedTensorNamesBothShapes() throws Exception {
    PipelineFolder p = PipelineFolder.open(pipeline());
    try (WeightStore vae = p.component("vae").loadWeights(Placement.cpu())) {
      assertThatThrownBy(() -> vae.get("encoder.conv_in.weight", 2, 4, -1, -1))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("'encoder.conv_in.weight'")
          .hasMessageContaining("[2, 3, 1, 1]")
          .hasMessageContaining("expected [2, 4, *, *]");
    }
  }

  @Test
  void readsShardedFp16VariantWidenedToFloat32() throws Exception {
    PipelineFolder p = PipelineFolder.open(pipeline());
    ComponentFolder unet = p.component("unet");
    assertThat(unet.weightFiles()).hasSize(2);
    try (WeightStore w = unet.loadWeights(Placement.cpu())) {
      assertThat(w.get("conv_in.bias").toFloatArray()).containsExactly(1f);
      assertThat(w.get("conv_out.bias").toFloatArray()).containsExactly(-2f);
    }
  }

  @Test
  void digestsFollowHeadersAndConfigBytes() throws Exception {
    PipelineFolder p = PipelineFolder.open(pipeline());
    String weights = p.weightsDigest("vae", "unet");
    String config = p.configDigest();
    assertThat(weights).hasSize(64).isEqualTo(p.weightsDigest("vae", "unet"));
    assertThat(p.component("vae").configDigest()).hasSize(64);
    new SafetensorsWriter()
        .putFloats("encoder.conv_in.weight", new long[] {6, 1, 1, 1}, new float[6])
        .putFloats("encoder.conv_in.bias", new long[] {2}, new float[] {1, 2})
        .putFloats("decoder.conv_in.bias", new long[] {2}, new float[2])
        .write(tmp.resolve("vae/diffusion_pytorch_model.safetensors"));
    assertThat(p.weightsDigest("vae", "unet")).isNotEqualTo(weights);
    Files.writeString(tmp.resolve("vae/config.json"), "{\"_class_name\":\"AutoencoderKL\",\"x\":1}");
    assertThat(p.configDigest()).isNotEqualTo(config);
  }

  @Test
  void clearErrorsForMissingComponentsAndWeights() throws Exception {
    PipelineFolder p = PipelineFolder.open(pipeline());
    assertThatThrownBy(() -> p.component("text_encoder"))
        .hasMessageContaining("no component 'text_encoder'");
    assertThatThrownBy(() -> p.component("vae", "VQModel"))
        .hasMessageContaining("AutoencoderKL")
        .hasMessageContaining("VQModel");
    Files.delete(tmp.resolve("vae/diffusion_pytorch_model.safetensors"));
    Files.write(tmp.resolve("vae/diffusion_pytorch_model.bin"), new byte[1]);
    assertThatThrownBy(() -> p.component("vae").weightFiles())
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("diffusion_pytorch_model.bin")
        .hasMessageContaining("safetensors");
    assertThatThrownBy(() -> PipelineFolder.open(tmp.resolve("vae")))
        .hasMessageContaining("model_index.json");
  }

  @Test
  void rejectsBf16AndCpuFp16Compute() {
    assertThatThrownBy(() -> new Placement(ai.djl.Device.cpu(), ai.djl.ndarray.types.DataType.BFLOAT16))
        .hasMessageContaining("float32");
    assertThatThrownBy(() -> Placement.of(ai.djl.Device.cpu(), "fp16")).hasMessageContaining("GPU");
  }
}
