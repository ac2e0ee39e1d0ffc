package io.alignstream.extractor.diffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Config parsing, rejection of what is not implemented, and the parameter layout a config implies. */
class UNetConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A minimal SD-2-style config; the real fixtures are used where present. */
  private static ObjectNode base() throws Exception {
    return (ObjectNode) JSON.readTree("{\"_class_name\":\"UNet2DConditionModel\","
        + "\"block_out_channels\":[32,64],\"down_block_types\":[\"CrossAttnDownBlock2D\",\"DownBlock2D\"],"
        + "\"up_block_types\":[\"UpBlock2D\",\"CrossAttnUpBlock2D\"],\"attention_head_dim\":[2,4],"
        + "\"cross_attention_dim\":16,\"norm_num_groups\":8,\"layers_per_block\":1,\"use_linear_projection\":true}");
  }

  private static UNetConfig parse(JsonNode config) {
    return UNetConfig.from(new ConfigReader(config, Path.of("unet", "config.json")));
  }

  private static JsonNode read(Path file) throws Exception {
    return JSON.readTree(file.toFile());
  }

  @Test
  void parsesMinimalConfigWithDiffusersDefaults() throws Exception {
    UNetConfig c = parse(base());
    assertThat(c.levels()).isEqualTo(2);
    assertThat(c.attentionHeads()).containsExactly(2, 4);
    assertThat(c.layersPerBlock()).containsExactly(1, 1);
    assertThat(c.transformerLayersPerBlock()).containsExactly(1, 1); // default 1
    assertThat(c.crossAttentionDims()).containsExactly(16, 16); // int broadcast
    assertThat(c.timeEmbedDim()).isEqualTo(4 * 32);
    assertThat(c.flipSinToCos()).isTrue();
    assertThat(c.downsamplePadding()).isEqualTo(1);
    assertThat(c.upResnets(0)).isEqualTo(2);
  }

  @Test
  void integerAttentionHeadDimIsTheHeadCountOfEveryLevel() throws Exception {
    ObjectNode sd15 = base();
    sd15.put("attention_head_dim", 8); // SD 1.5 style: 8 heads everywhere (of width 320/8 = 40 there)
    assertThat(parse(sd15).attentionHeads()).containsExactly(8, 8);
  }

  /** The per-module heads/head_dim diffusers reported when making the fixture. */
  @Test
  void headsMatchWhatDiffusersBuiltForTheFixture() throws Exception {
    Path fixtures = Fixtures.dir();
    UNetConfig c = parse(read(fixtures.resolve("tiny-sd2/unet/config.json")));
    JsonNode modules = read(fixtures.resolve("tiny-sd2-reference.json")).get("unet_attention");
    int checked = 0;
    for (JsonNode m : modules) {
      if (!m.has("heads")) {
        continue;
      }
      String[] path = m.get("module").asText().split("\\.");
      int heads;
      int channels;
      if (path[0].equals("mid_block")) {
        heads = c.midHeads();
        channels = c.midChannels();
      } else {
        int block = Integer.parseInt(path[1]);
        boolean down = path[0].equals("down_blocks");
        heads = down ? c.downHeads(block) : c.upHeads(block);
        channels = down ? c.downOutChannels(block) : c.upOutChannels(block);
      }
      assertThat(heads).as(m.get("module").asText()).isEqualTo(m.get("heads").asInt());
      assertThat(channels / heads).as(m.get("module").asText()).isEqualTo(m.get("head_dim").asInt());
      checked++;
    }
    assertThat(checked).isEqualTo(32); // 16 transformers x (attn1, attn2)
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
      // key | JSON value | the offending value as the message must show it
      "class_embed_type|\"timestep\"|timestep",
      "addition_embed_type|\"text_time\"|text_time",
      "time_cond_proj_dim|256|256",
      "encoder_hid_dim|768|768",
      "num_attention_heads|8|8",
      "resnet_time_scale_shift|\"scale_shift\"|scale_shift",
      "dual_cross_attention|true|true",
      "only_cross_attention|true|true",
      "mid_block_type|\"UNetMidBlock2DSimpleCrossAttn\"|UNetMidBlock2DSimpleCrossAttn",
      "mid_block_type|null|null",
      "conv_in_kernel|5|5",
      "act_fn|\"gelu\"|gelu",
      "down_block_types|[\"AttnDownBlock2D\",\"DownBlock2D\"]|AttnDownBlock2D",
      "up_block_types|[\"UpBlock2D\",\"AttnUpBlock2D\"]|AttnUpBlock2D",
      "attention_head_dim|[3,4]|[3, 4]",
      "norm_num_groups|null|null",
      "time_embedding_type|\"fourier\"|fourier",
      "cross_attention_dim|[16,32]|[16, 32]",
  })
  void rejectsUnsupportedValuesNamingKeyValueAndAlternatives(String key, String value, String shown) throws Exception {
    ObjectNode config = base();
    config.set(key, JSON.readTree(value));
    assertThatThrownBy(() -> parse(config))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(Path.of("unet", "config.json").toString())
        .hasMessageContaining("'" + key + "'")
        .hasMessageContaining(shown)
        .hasMessageContaining("supported:");
  }

  @Test
  void tinyLayoutIsExactlyTheTensorsDiffusersWrote() {
    Path unet = Fixtures.dir().resolve("tiny-sd2/unet");
    ComponentFolder folder = ComponentFolder.open(unet, "unet", "UNet2DConditionModel");
    Map<String, long[]> expected = UNetParameters.of(UNetConfig.from(folder)).shapes();
    Map<String, long[]> found = ParameterLayout.inHeaders(folder.weightFiles());
    assertThat(expected.keySet()).containsExactlyInAnyOrderElementsOf(found.keySet());
    expected.forEach((name, shape) -> assertThat(found.get(name)).as(name).containsExactly(shape));
  }

  /**
   * modules() for SD 2.1 against its well-known structure: 22 resnets, 16 transformers (5, 10,
   * 20 heads of 64 at latent/1, /2, /4; 20 in the mid block at /8), three resamplers each way,
   * and the widths diffusers gives the up blocks' skip-concatenating resnets.
   */
  @Test
  void sd21ModulesDescribeTheLevelLayout() throws Exception {
    Path file = Fixtures.dir().resolve("sd21-configs/unet/config.json");
    UNetConfig c = UNetConfig.from(new ConfigReader(read(file), file));
    List<UNetConfig.Module> modules = c.modules();
    Map<UNetConfig.ModuleKind, Long> kinds = modules.stream()
        .collect(java.util.stream.Collectors.groupingBy(UNetConfig.Module::kind, java.util.stream.Collectors.counting()));
    assertThat(kinds.get(UNetConfig.ModuleKind.RESNET)).isEqualTo(22);
    assertThat(kinds.get(UNetConfig.ModuleKind.TRANSFORMER)).isEqualTo(16);
    assertThat(kinds.get(UNetConfig.ModuleKind.DOWNSAMPLER)).isEqualTo(3);
    assertThat(kinds.get(UNetConfig.ModuleKind.UPSAMPLER)).isEqualTo(3);
    assertThat(modules.stream().map(UNetConfig.Module::path).toList()).isEqualTo(c.modulePaths());
    assertThat(c.module("down_blocks.0.attentions.1"))
        .isEqualTo(new UNetConfig.Module("down_blocks.0.attentions.1", UNetConfig.ModuleKind.TRANSFORMER,
            320, 320, 1, 5, 1, 1024));
    assertThat(c.module("mid_block.attentions.0").heads()).isEqualTo(20);
    assertThat(c.module("mid_block.attentions.0").downscale()).isEqualTo(8);
    assertThat(c.module("up_blocks.3.resnets.0").inChannels()).isEqualTo(640 + 320);
    assertThat(c.module("up_blocks.1.resnets.2").inChannels()).isEqualTo(1280 + 640);
    assertThat(c.module("down_blocks.2.downsamplers.0").downscale()).isEqualTo(8);
    assertThat(c.module("up_blocks.0").downscale()).isEqualTo(4); // after its upsampler
    assertThat(c.module("up_blocks.3").downscale()).isEqualTo(1);
    assertThat(c.module("time_embedding").outChannels()).isEqualTo(1280);
    assertThatThrownBy(() -> c.module("down_blocks.9")).hasMessageContaining("no module 'down_blocks.9'");
  }

  /**
   * SD 2.1's UNet, from its real config, with no weights: 865,910,724 parameters (865.9 M as the
   * fixtures README states), recounted here by closed-form module sizes read straight off the
   * JSON rather than through UNetConfig.
   */
  @Test
  void sd21ConfigImpliesItsKnownParameterCount() throws Exception {
    Path file = Fixtures.dir().resolve("sd21-configs/unet/config.json");
    JsonNode json = read(file);
    UNetConfig c = UNetConfig.from(new ConfigReader(json, file));
    Map<String, long[]> layout = UNetParameters.of(c).shapes();

    long fromLayout = UNetParameters.of(c).count();
    assertThat(fromLayout).isEqualTo(independentCount(json));
    assertThat(fromLayout).isEqualTo(865_910_724L);
    assertThat(Math.round(fromLayout / 1e5) / 10.0).isEqualTo(865.9);

    // a few names and shapes a real SD 2.1 checkpoint has
    assertThat(layout.get("down_blocks.0.attentions.0.proj_in.weight")).containsExactly(320, 320);
    assertThat(layout.get("down_blocks.1.attentions.1.transformer_blocks.0.attn2.to_k.weight")).containsExactly(640, 1024);
    assertThat(layout.get("up_blocks.3.resnets.0.conv_shortcut.weight")).containsExactly(320, 960, 1, 1);
    assertThat(layout.get("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight")).containsExactly(10240, 1280);
    assertThat(layout.get("time_embedding.linear_1.weight")).containsExactly(1280, 320);
    assertThat(layout.get("conv_out.weight")).containsExactly(4, 320, 3, 3);
    // attention_head_dim [5, 10, 20, 20] are head counts: every SD 2.x head is 64 wide
    for (int i = 0; i < c.levels(); i++) {
      assertThat(c.downOutChannels(i) / c.downHeads(i)).isEqualTo(64);
    }
  }

  /** Parameter count by closed-form module sizes, walking the raw JSON with diffusers' channel rules. */
  private static long independentCount(JsonNode json) {
    List<Integer> ch = new ArrayList<>();
    json.get("block_out_channels").forEach(n -> ch.add(n.asInt()));
    int n = ch.size();
    int layers = json.get("layers_per_block").asInt();
    long cross = json.get("cross_attention_dim").asLong();
    long e = 4L * ch.get(0);
    long total = (ch.get(0) * e + e) + (e * e + e); // time embedding MLP
    total += ch.get(0) * 4L * 9 + ch.get(0); // conv_in
    total += 2L * ch.get(0) + 4L * ch.get(0) * 9 + 4; // conv_norm_out, conv_out
    for (int i = 0; i < n; i++) {
      boolean attn = json.get("down_block_types").get(i).asText().startsWith("CrossAttn");
      long out = ch.get(i);
      for (int j = 0; j < layers; j++) {
        total += resnetSize(j == 0 ? ch.get(Math.max(i - 1, 0)) : out, out, e);
        total += attn ? transformerSize(out, cross) : 0;
      }
      total += i < n - 1 ? out * out * 9 + out : 0; // downsampler
    }
    total += 2 * resnetSize(ch.get(n - 1), ch.get(n - 1), e) + transformerSize(ch.get(n - 1), cross);
    List<Integer> rev = new ArrayList<>(ch);
    java.util.Collections.reverse(rev);
    for (int i = 0; i < n; i++) {
      boolean attn = json.get("up_block_types").get(i).asText().startsWith("CrossAttn");
      long out = rev.get(i);
      long prev = i == 0 ? rev.get(0) : rev.get(i - 1);
      long in = rev.get(Math.min(i + 1, n - 1));
      for (int j = 0; j <= layers; j++) {
        long skip = j == layers ? in : out;
        total += resnetSize((j == 0 ? prev : out) + skip, out, e);
        total += attn ? transformerSize(out, cross) : 0;
      }
      total += i < n - 1 ? out * out * 9 + out : 0; // upsampler
    }
    return total;
  }

  private static long resnetSize(long in, long out, long temb) {
    long size = 2 * in + (in * out * 9 + out) + (temb * out + out) + 2 * out + (out * out * 9 + out);
    return in == out ? size : size + in * out + out;
  }

  private static long transformerSize(long c, long cross) {
    long block = 3 * 2 * c // norm1..3
        + (4 * c * c + c) // attn1 q k v out (+ out bias)
        + (2 * c * c + 2 * cross * c + c) // attn2
        + (c * 8 * c + 8 * c) + (4 * c * c + c); // GEGLU ff
    return 2 * c + 2 * (c * c + c) + block; // norm, proj_in, proj_out
  }
}
