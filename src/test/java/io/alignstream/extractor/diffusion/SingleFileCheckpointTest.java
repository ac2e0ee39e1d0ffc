package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.SafeDtype;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.diffusion.checkpoint.TensorInfo;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextParameters;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.text.ClipVocabulary;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.unet.UNetParameters;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import io.alignstream.extractor.diffusion.vae.VaeParameters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Original-format single-file checkpoints: the shared {@code tiny-sd2-ldm.safetensors} (tiny-sd2
 * converted by diffusers' own script) must give exactly the tiny-sd2 folder's tensors, config
 * inference must recover the real SD 2.1 and SD 1.5 architectures from their tensor shapes, and
 * other models and pickles are refused with the reason.
 */
class SingleFileCheckpointTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** tiny-sd2's configs and tokenizer without any weights, as a user would pass to --pipeline-config. */
  static Path weightlessCopy(Path tmp) throws IOException {
    Path source = Fixtures.tinySd2();
    Path dir = tmp.resolve("tiny-sd2-configs");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".safetensors")).toList()) {
        Path target = dir.resolve(source.relativize(f).toString());
        Files.createDirectories(target.getParent());
        Files.copy(f, target);
      }
    }
    return dir;
  }

  @Test
  void everyMappedTensorIsTheFoldersTensorByteForByte(@TempDir Path tmp) throws IOException {
    Path ldm = Fixtures.dir().resolve("tiny-sd2-ldm.safetensors");
    SingleFileCheckpoint checkpoint = SingleFileCheckpoint.open(ldm, weightlessCopy(tmp));
    assertThat(checkpoint.family()).isEqualTo(SingleFileCheckpoint.Family.SD2);
    Map<String, Map<String, TensorInfo>> views = Map.of(
        "unet/diffusion_pytorch_model.safetensors", checkpoint.unetView(),
        "vae/diffusion_pytorch_model.safetensors", checkpoint.vaeView(),
        "text_encoder/model.safetensors", checkpoint.textView());
    int compared = 0;
    try (SafetensorsFile single = SafetensorsFile.open(ldm)) {
      for (Map.Entry<String, Map<String, TensorInfo>> component : views.entrySet()) {
        try (SafetensorsFile folder = SafetensorsFile.open(Fixtures.tinySd2().resolve(component.getKey()))) {
          // the view covers every tensor of the folder's file, and nothing else
          assertThat(component.getValue().keySet()).as(component.getKey())
              .containsExactlyInAnyOrderElementsOf(folder.names());
          for (Map.Entry<String, TensorInfo> e : component.getValue().entrySet()) {
            TensorInfo expected = folder.info(e.getKey());
            assertThat(e.getValue().dims()).as(e.getKey()).containsExactly(expected.dims());
            assertThat(e.getValue().dtype()).as(e.getKey()).isEqualTo(expected.dtype());
            ByteBuffer ours = single.bytes(e.getValue());
            ByteBuffer theirs = folder.bytes(e.getKey());
            assertThat(ours.equals(theirs)).as("bytes of %s", e.getKey()).isTrue();
            compared++;
          }
        }
      }
    }
    assertThat(compared).isEqualTo(872); // the sidecar's count: 684 UNet + 152 VAE + 36 text encoder
  }

  @Test
  void theTinyFileAloneIsRefusedAsNonStandardWithTheWayOut() {
    Path ldm = Fixtures.dir().resolve("tiny-sd2-ldm.safetensors");
    assertThatThrownBy(() -> SingleFileCheckpoint.open(ldm, null))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("not a standard SD 2.x")
        .hasMessageContaining("cross-attends to width 32, not the 1024")
        .hasMessageContaining("--pipeline-config");
  }

  @Test
  void infersTheRealSd21ArchitectureFromItsShapes() throws IOException {
    Path configs = Fixtures.dir().resolve("sd21-configs");
    UNetConfig unet = UNetConfig.from(ComponentFolder.open(configs.resolve("unet"), "unet", null));
    VaeConfig vae = VaeConfig.parse(ComponentFolder.open(configs.resolve("vae"), "vae", null).configReader());
    Map<String, TensorInfo> header = new LinkedHashMap<>();
    ldmShapes(header, UNetParameters.of(unet), LdmNames.unet(unet));
    ldmShapes(header, VaeParameters.of(vae), LdmNames.vae(vae));
    // The original OpenCLIP ViT-H/14 text tower: 24 blocks of width 1024, fused q/k/v, with its projection.
    String p = LdmNames.OPEN_CLIP;
    put(header, p + "token_embedding.weight", 49408, 1024);
    put(header, p + "positional_embedding", 77, 1024);
    for (int i = 0; i < 24; i++) {
      String b = p + "transformer.resblocks." + i + ".";
      put(header, b + "ln_1.weight", 1024);
      put(header, b + "ln_1.bias", 1024);
      put(header, b + "attn.in_proj_weight", 3072, 1024);
      put(header, b + "attn.in_proj_bias", 3072);
      put(header, b + "attn.out_proj.weight", 1024, 1024);
      put(header, b + "attn.out_proj.bias", 1024);
      put(header, b + "ln_2.weight", 1024);
      put(header, b + "ln_2.bias", 1024);
      put(header, b + "mlp.c_fc.weight", 4096, 1024);
      put(header, b + "mlp.c_fc.bias", 4096);
      put(header, b + "mlp.c_proj.weight", 1024, 4096);
      put(header, b + "mlp.c_proj.bias", 1024);
    }
    put(header, p + "ln_final.weight", 1024);
    put(header, p + "ln_final.bias", 1024);
    put(header, p + "text_projection", 1024, 1024);
    put(header, p + "logit_scale");

    SingleFileCheckpoint sd21 = SingleFileCheckpoint.ofHeader(Path.of("v2-1_768-ema-pruned.safetensors"), header);
    assertThat(sd21.family()).isEqualTo(SingleFileCheckpoint.Family.SD2);
    assertThat(sd21.unetConfig().blockOutChannels()).isEqualTo(unet.blockOutChannels());
    assertThat(sd21.unetConfig().attentionHeads()).containsExactly(5, 10, 20, 20).isEqualTo(unet.attentionHeads());
    assertThat(sd21.unetConfig().crossAttentionDims()).isEqualTo(unet.crossAttentionDims());
    assertThat(sd21.unetConfig().useLinearProjection()).isTrue();
    assertThat(sd21.unetConfig().layersPerBlock()).isEqualTo(unet.layersPerBlock());
    assertThat(sd21.unetConfig().downBlockTypes()).isEqualTo(unet.downBlockTypes());
    assertThat(sd21.unetConfig().upBlockTypes()).isEqualTo(unet.upBlockTypes());
    assertThat(sd21.vaeConfig()).isEqualTo(vae);
    // SD 2.1 768 predicts v, as its own scheduler config says (diffusers' single-file rule: context width 1024)
    assertThat(NoiseSchedule.fromConfig(sd21.schedulerConfig()).prediction()).isEqualTo(PredictionType.V_PREDICTION)
        .isEqualTo(NoiseSchedule.fromConfig(ComponentFolder.open(configs.resolve("scheduler"), "scheduler", null))
            .prediction());
    JsonNode text = JSON.readTree(configs.resolve("text_encoder/config.json").toFile());
    ClipTextConfig c = sd21.textConfig();
    assertThat(List.of(c.hiddenSize(), c.heads(), c.intermediateSize(), c.layers(), c.vocabSize()))
        .containsExactly(text.get("hidden_size").asInt(), text.get("num_attention_heads").asInt(),
            text.get("intermediate_size").asInt(), text.get("num_hidden_layers").asInt(), text.get("vocab_size").asInt());
    assertThat(c.hiddenAct()).isEqualTo("gelu");
    // the unused last block, the projection and logit_scale are left out; q, k, v are thirds of in_proj
    assertThat(sd21.textView()).doesNotContainKey("text_model.encoder.layers.23.layer_norm1.weight");
    TensorInfo fused = header.get(p + "transformer.resblocks.3.attn.in_proj_weight");
    TensorInfo k = sd21.textView().get("text_model.encoder.layers.3.self_attn.k_proj.weight");
    assertThat(k.dims()).containsExactly(1024, 1024);
    assertThat(k.begin()).isEqualTo(fused.begin() + fused.byteLength() / 3);
    assertThat(k.end()).isEqualTo(fused.begin() + 2 * fused.byteLength() / 3);
  }

  @Test
  void infersSd15WithItsClipTextEncoderAndEightHeads() throws IOException {
    Path configs = Fixtures.dir().resolve("sd21-configs");
    // SD 1.5's UNet differs from 2.1's in heads (8 per level), context width 768 and conv projections.
    ObjectNode json = (ObjectNode) JSON.readTree(configs.resolve("unet/config.json").toFile());
    json.put("attention_head_dim", 8).put("cross_attention_dim", 768).put("use_linear_projection", false);
    UNetConfig unet = UNetConfig.from(new ConfigReader(json, Path.of("sd15-unet.json")));
    VaeConfig vae = VaeConfig.parse(ComponentFolder.open(configs.resolve("vae"), "vae", null).configReader());
    ClipTextConfig clip = new ClipTextConfig(49408, 768, 3072, 12, 12, 77, 1e-5, "quick_gelu");
    Map<String, TensorInfo> header = new LinkedHashMap<>();
    ldmShapes(header, UNetParameters.of(unet), LdmNames.unet(unet));
    ldmShapes(header, VaeParameters.of(vae), LdmNames.vae(vae));
    ldmShapes(header, ClipTextParameters.of(clip), LdmNames.clip(LdmNames.CLIP));

    SingleFileCheckpoint sd15 = SingleFileCheckpoint.ofHeader(Path.of("v1-5-pruned-emaonly.safetensors"), header);
    assertThat(sd15.family()).isEqualTo(SingleFileCheckpoint.Family.SD1);
    assertThat(sd15.unetConfig().attentionHeads()).containsExactly(8, 8, 8, 8);
    assertThat(sd15.unetConfig().crossAttentionDims()).containsOnly(768);
    assertThat(sd15.unetConfig().useLinearProjection()).isFalse();
    assertThat(sd15.textConfig()).isEqualTo(clip);
    assertThat(sd15.tokenizer().encode("")[1]).as("SD 1.x pads with the end token").isEqualTo(49407);
    assertThat(NoiseSchedule.fromConfig(sd15.schedulerConfig()).prediction()).isEqualTo(PredictionType.EPSILON);
  }

  @Test
  void refusesOtherModelsAndPicklesWithTheReason(@TempDir Path tmp) throws IOException {
    Path xl = tmp.resolve("sdxl.safetensors");
    new SafetensorsWriter()
        .putFloats(LdmNames.UNET + "input_blocks.0.0.weight", new long[] {1, 4, 1, 1}, new float[4])
        .putFloats("conditioner.embedders.1.model.token_embedding.weight", new long[] {1, 1}, new float[1])
        .write(xl);
    assertThatThrownBy(() -> SingleFileCheckpoint.open(xl, null)).hasMessageContaining("SDXL");

    Path sd3 = tmp.resolve("sd3_medium.safetensors");
    new SafetensorsWriter()
        .putFloats(LdmNames.UNET + "joint_blocks.0.x_block.attn.qkv.weight", new long[] {3, 1}, new float[3])
        .putFloats("text_encoders.t5xxl.transformer.shared.weight", new long[] {1, 1}, new float[1])
        .write(sd3);
    assertThatThrownBy(() -> SingleFileCheckpoint.open(sd3, null)).hasMessageContaining("Stable Diffusion 3")
        .hasMessageContaining("pass the diffusers folder");

    Path inpainting = tmp.resolve("inpainting.safetensors");
    new SafetensorsWriter()
        .putFloats(LdmNames.UNET + "input_blocks.0.0.weight", new long[] {1, 9, 1, 1}, new float[9])
        .write(inpainting);
    assertThatThrownBy(() -> SingleFileCheckpoint.open(inpainting, null)).hasMessageContaining("inpainting UNet");

    Path component = tmp.resolve("diffusion_pytorch_model.safetensors");
    new SafetensorsWriter().putFloats("conv_in.weight", new long[] {1, 4, 1, 1}, new float[4]).write(component);
    assertThatThrownBy(() -> SingleFileCheckpoint.open(component, null))
        .hasMessageContaining("one component of a diffusers pipeline");

    // A pickle is refused by name and by content, before anything reads it as a checkpoint.
    Path ckpt = tmp.resolve("v1-5.ckpt");
    Files.write(ckpt, new byte[] {'P', 'K', 3, 4, 0, 0});
    assertThatThrownBy(() -> SingleFileCheckpoint.open(ckpt, null)).hasMessageContaining("pickled PyTorch checkpoint")
        .hasMessageContaining("never unpickles");
    Path disguised = tmp.resolve("model.safetensors");
    Files.write(disguised, new byte[] {(byte) 0x80, 2, ']', 'q'});
    assertThatThrownBy(() -> SingleFileCheckpoint.open(disguised, null)).hasMessageContaining("by its content");
    // ...but a safetensors header of 640 bytes starts with 0x80 0x02 too: it is read as what it is
    String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    ByteBuffer file = ByteBuffer.allocate(8 + 640 + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(640)
        .put((json + " ".repeat(640 - json.length())).getBytes(StandardCharsets.US_ASCII));
    Path lookalike = tmp.resolve("lookalike.safetensors");
    Files.write(lookalike, file.array());
    assertThat(file.array()[0] & 0xFF).isEqualTo(0x80);
    assertThatThrownBy(() -> SingleFileCheckpoint.open(lookalike, null))
        .hasMessageContaining("is not an original-format Stable Diffusion checkpoint").hasMessageNotContaining("pickle");
  }

  /** Adds the LDM name and stored shape of every parameter of a layout (VAE attention as 1x1 convs). */
  private static void ldmShapes(Map<String, TensorInfo> header, ParameterLayout layout, LdmNames names) {
    for (ParameterLayout.Param param : layout.params()) {
      String name = names.source(param.name()).name();
      long[] shape = param.shape();
      if (name.contains(".mid.attn_1.") && shape.length == 2) {
        shape = new long[] {shape[0], shape[1], 1, 1};
      }
      put(header, name, shape);
    }
  }

  /** A float32 header entry; offsets are only consistent with each other (no data behind them). */
  private static void put(Map<String, TensorInfo> header, String name, long... shape) {
    long begin = header.values().stream().mapToLong(TensorInfo::end).max().orElse(0);
    long size = 4;
    for (long d : shape) {
      size *= d;
    }
    header.put(name, new TensorInfo(name, SafeDtype.F32, shape, begin, begin + size));
  }
}
