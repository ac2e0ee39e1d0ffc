package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Config parsing: the real SD 2.1 configs, and clear errors for values this port does not implement. */
class DiffusionConfigTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ConfigReader read(Path file) throws Exception {
    return new ConfigReader(JSON.readTree(file.toFile()), file);
  }

  @Test
  void parsesTheRealStableDiffusion21Configs() throws Exception {
    Path sd21 = Fixtures.dir().resolve("sd21-configs");
    VaeConfig vae = VaeConfig.parse(read(sd21.resolve("vae/config.json")));
    assertThat(vae.blockOutChannels()).containsExactly(128, 256, 512, 512);
    assertThat(vae.normGroups()).isEqualTo(32);
    assertThat(vae.layersPerBlock()).isEqualTo(2);
    assertThat(vae.scalingFactor()).isEqualTo(0.18215);
    ClipTextConfig text = ClipTextConfig.parse(read(sd21.resolve("text_encoder/config.json")));
    assertThat(text.layers()).isEqualTo(23);
    assertThat(text.hiddenSize()).isEqualTo(1024);
    assertThat(text.heads()).isEqualTo(16);
    assertThat(text.hiddenAct()).isEqualTo("gelu");
    // SD 2.1's DDIM config has the same betas as the fixture's DDPM one.
    NoiseSchedule schedule = NoiseSchedule.fromConfig(read(sd21.resolve("scheduler/scheduler_config.json")));
    try (SafetensorsFile ref = Fixtures.reference()) {
      assertThat(schedule.alphasCumprod()).containsExactly(ref.floats("scheduler.alphas_cumprod"));
    }
  }

  @Test
  void unsupportedValuesNameKeyValueAndAlternatives() {
    ObjectNode text = JSON.createObjectNode()
        .put("vocab_size", 10).put("hidden_size", 8).put("intermediate_size", 16)
        .put("num_hidden_layers", 1).put("num_attention_heads", 2).put("hidden_act", "relu");
    assertThatThrownBy(() -> ClipTextConfig.parse(new ConfigReader(text, Path.of("te/config.json"))))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("te/config.json")
        .hasMessageContaining("'hidden_act'")
        .hasMessageContaining("relu")
        .hasMessageContaining("gelu")
        .hasMessageContaining("quick_gelu");

    ObjectNode sched = JSON.createObjectNode().put("beta_schedule", "squaredcos_cap_v2");
    assertThatThrownBy(() -> NoiseSchedule.fromConfig(new ConfigReader(sched, Path.of("s.json"))))
        .hasMessageContaining("'beta_schedule'")
        .hasMessageContaining("squaredcos_cap_v2")
        .hasMessageContaining("scaled_linear");

    ObjectNode vae = JSON.createObjectNode();
    vae.putArray("block_out_channels").add(8).add(16);
    vae.putArray("down_block_types").add("DownEncoderBlock2D").add("AttnDownEncoderBlock2D");
    assertThatThrownBy(() -> VaeConfig.parse(new ConfigReader(vae, Path.of("vae/config.json"))))
        .hasMessageContaining("'down_block_types'")
        .hasMessageContaining("AttnDownEncoderBlock2D")
        .hasMessageContaining("supported: [DownEncoderBlock2D]");
  }

  @Test
  void linspaceEndsAreExactAndSymmetric() {
    float[] v = NoiseSchedule.torchLinspace(0.0, 1.0, 5);
    assertThat(v).containsExactly(0f, 0.25f, 0.5f, 0.75f, 1f);
    assertThat(NoiseSchedule.torchLinspace(2.0, 3.0, 1)).containsExactly(2f);
    assertThat(List.of(NoiseSchedule.torchLinspace(0.1, 0.7, 1000)[999])).containsExactly(0.7f);
  }
}
