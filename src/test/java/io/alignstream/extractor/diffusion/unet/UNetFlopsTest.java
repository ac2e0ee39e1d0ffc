package io.alignstream.extractor.diffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The analytical FLOP count against a recount from the fixture checkpoint's own tensor shapes. */
class UNetFlopsTest {

  /**
   * Recount for the tiny UNet from the diffusers-written safetensors header: every weight costs
   * 2 x its size per output position of its module (1 per sample for the time MLP, the text
   * tokens for cross-attention keys and values), and every attention 4 x queries x keys x width;
   * positions follow from the module path's resolution level.
   */
  @Test
  void tinyCountMatchesRecountFromCheckpointShapes() {
    Path unet = Fixtures.dir().resolve("tiny-sd2/unet");
    ComponentFolder folder = ComponentFolder.open(unet, "unet", "UNet2DConditionModel");
    UNetConfig config = UNetConfig.from(folder);
    int batch = 6;
    int height = 16;
    int width = 24; // non-square to catch swapped axes
    int tokens = 77;
    int levels = 4;
    long conv = 0;
    long linear = 0;
    long attention = 0;
    for (Map.Entry<String, long[]> e : ParameterLayout.inHeaders(folder.weightFiles()).entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue();
      if (!name.endsWith(".weight") || shape.length == 1) {
        continue; // biases and norm scales are not multiply-adds
      }
      int level = levelOf(name, levels);
      long positions = (long) (height >> level) * (width >> level);
      long rows = name.startsWith("time_embedding") || name.contains("time_emb_proj") ? 1
          : name.contains("attn2.to_k") || name.contains("attn2.to_v") ? tokens
          : positions;
      long size = 1;
      for (long d : shape) {
        size *= d;
      }
      if (shape.length == 4) {
        conv += 2L * batch * rows * size;
      } else {
        linear += 2L * batch * rows * size;
      }
      if (name.endsWith("attn1.to_q.weight")) {
        attention += 4L * batch * positions * positions * shape[0];
      } else if (name.endsWith("attn2.to_q.weight")) {
        attention += 4L * batch * positions * tokens * shape[0];
      }
    }
    UNetFlops flops = UNetFlops.of(config, batch, height, width, tokens);
    assertThat(flops.convolution()).isEqualTo(conv);
    assertThat(flops.linear()).isEqualTo(linear);
    assertThat(flops.attention()).isEqualTo(attention);
    assertThat(flops.total()).isEqualTo(conv + linear + attention);
  }

  /** Resolution level (0 = full latent size) a weight's module outputs at. */
  private static int levelOf(String name, int levels) {
    String[] p = name.split("\\.");
    if (p[0].equals("down_blocks")) {
      int block = Integer.parseInt(p[1]);
      return p[2].equals("downsamplers") ? block + 1 : block;
    }
    if (p[0].equals("up_blocks")) {
      int level = levels - 1 - Integer.parseInt(p[1]);
      return p[2].equals("upsamplers") ? level - 1 : level;
    }
    return p[0].equals("mid_block") ? levels - 1 : 0;
  }

  /** The fixtures README: one SD 2.1 UNet forward at a 64x64 latent is about 0.80 TFLOP. */
  @Test
  void sd21At64x64IsAbout080Tflop() {
    Path file = Fixtures.dir().resolve("sd21-configs/unet/config.json");
    UNetConfig config = UNetConfig.from(ComponentFolder.open(file.getParent(), "unet", null));
    UNetFlops flops = UNetFlops.of(config, 1, 64, 64, 77);
    System.out.println("SD 2.1 UNet, 64x64 latent, batch 1: " + flops);
    assertThat(flops.total() / 1e12).isBetween(0.78, 0.82);
    // batch scales every term linearly
    assertThat(UNetFlops.of(config, 4, 64, 64, 77).total()).isEqualTo(4 * flops.total());
  }
}
