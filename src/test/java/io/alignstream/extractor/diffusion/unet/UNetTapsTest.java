package io.alignstream.extractor.diffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tap selection, early stopping and pooling, on the tiny-sd2 UNet. */
class UNetTapsTest {

  static UNet unet;
  static SafetensorsFile ref;
  static NDManager manager;
  static NDArray latents;
  static NDArray context;
  static final float[] T = {500};

  @BeforeAll
  static void load() {
    unet = UNet.load(PipelineFolder.open(Fixtures.tinySd2()), Placement.cpu());
    ref = Fixtures.reference();
    manager = NDManager.newBaseManager();
    latents = Fixtures.latents(manager, ref, "t500");
    context = Fixtures.context(manager, ref);
  }

  @AfterAll
  static void close() {
    if (unet != null) {
      unet.close();
      ref.close();
      manager.close();
    }
  }

  @Test
  void forwardStopsRightAfterTheDeepestRequestedModule() {
    String tap = "down_blocks.0.resnets.1";
    UNetOutput early = unet.forward(latents, T, context, List.of(tap), Pooling.MEAN);
    List<String> order = unet.config().modulePaths();
    assertThat(early.computedModules()).isEqualTo(order.subList(0, order.indexOf(tap) + 1));
    assertThat(early.computedModules()).noneMatch(p -> p.startsWith("mid_block") || p.startsWith("up_blocks"));

    // the same values as a full forward that also runs to the end
    UNetOutput full = unet.forward(latents, T, context, List.of(tap, "out"), Pooling.MEAN);
    assertThat(full.computedModules()).isEqualTo(order);
    assertThat(early.get(tap).values()).containsExactly(full.get(tap).values());
    // and as the reference
    assertThat(Fixtures.maxAbsDiff(early.get(tap).values(), ref.floats("unet.t500." + tap + ".spatial_mean")))
        .isLessThan(1e-4f);
  }

  @Test
  void deepestTapDecidesWhereTheForwardStopsWhateverTheRequestOrder() {
    UNetOutput out = unet.forward(latents, T, context, List.of("mid_block", "down_blocks.1"), Pooling.MEAN);
    assertThat(out.computedModules()).last().isEqualTo("mid_block");
    assertThat(out.taps().keySet()).containsExactly("mid_block", "down_blocks.1"); // request order
  }

  @Test
  void unknownTapFailsListingValidPaths() {
    assertThatThrownBy(() -> unet.forward(latents, T, context, List.of("down_blocks.0.resnet.1"), Pooling.MEAN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown tap 'down_blocks.0.resnet.1'")
        .hasMessageContaining("down_blocks.0.resnets.1")
        .hasMessageContaining("up_blocks.2.upsamplers.0")
        .hasMessageContaining("Down0");
    // down_blocks.3 is a DownBlock2D: no attentions, no downsampler
    assertThatThrownBy(() -> unet.forward(latents, T, context, List.of("down_blocks.3.attentions.0"), Pooling.MEAN))
        .hasMessageContaining("unknown tap 'down_blocks.3.attentions.0'");
    assertThatThrownBy(() -> Taps.parse("Down1,Middle", unet.config()))
        .hasMessageContaining("unknown tap 'Middle'");
  }

  @Test
  void badInputsFailClearly() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray odd = m.zeros(new ai.djl.ndarray.types.Shape(6, 4, 12, 16));
      assertThatThrownBy(() -> unet.forward(odd, T, context, List.of("out"), Pooling.MEAN))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiples of 8");
      assertThatThrownBy(() -> unet.forward(latents, new float[] {1, 2}, context, List.of("out"), Pooling.MEAN))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one timestep or one per batch entry");
      NDArray wide = m.zeros(new ai.djl.ndarray.types.Shape(6, 77, 64));
      assertThatThrownBy(() -> unet.forward(latents, T, wide, List.of("out"), Pooling.MEAN))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cross_attention_dim");
    }
  }

  @Test
  void poolingsAreReductionsOfTheFullMap() {
    String tap = "down_blocks.1.attentions.0"; // [6, 32, 8, 8]
    List<String> taps = List.of(tap);
    TapValue full = unet.forward(latents, T, context, taps, Pooling.NONE).get(tap);
    TapValue max = unet.forward(latents, T, context, taps, Pooling.MAX).get(tap);
    TapValue mean = unet.forward(latents, T, context, taps, Pooling.MEAN).get(tap);
    TapValue flat = unet.forward(latents, T, context, taps, Pooling.FLATTEN).get(tap);
    assertThat(full.shape()).containsExactly(6, 32, 8, 8);
    assertThat(max.shape()).containsExactly(6, 32);
    assertThat(flat.shape()).containsExactly(6, 32 * 8 * 8);
    assertThat(flat.values()).containsExactly(full.values());
    int positions = 64;
    for (int bc = 0; bc < 6 * 32; bc++) {
      float m = Float.NEGATIVE_INFINITY;
      double sum = 0;
      for (int p = 0; p < positions; p++) {
        m = Math.max(m, full.values()[bc * positions + p]);
        sum += full.values()[bc * positions + p];
      }
      assertThat(max.values()[bc]).isEqualTo(m);
      assertThat((double) mean.values()[bc]).isCloseTo(sum / positions, org.assertj.core.data.Offset.offset(1e-5));
    }
    assertThat(mean.row(4)).hasSize(32);
  }

  @Test
  void perSampleTimestepsEqualOneForwardPerTimestep() {
    String tap = "up_blocks.1.resnets.1";
    float[] perSample = {0, 0, 0, 899, 899, 899};
    TapValue mixed = unet.forward(latents, perSample, context, List.of(tap), Pooling.MEAN).get(tap);
    TapValue at0 = unet.forward(latents, new float[] {0}, context, List.of(tap), Pooling.MEAN).get(tap);
    TapValue at899 = unet.forward(latents, new float[] {899}, context, List.of(tap), Pooling.MEAN).get(tap);
    for (int b = 0; b < 6; b++) {
      float[] single = (b < 3 ? at0 : at899).row(b);
      assertThat(Fixtures.maxAbsDiff(mixed.row(b), single)).as("batch entry " + b).isLessThan(1e-5f);
    }
  }

  @Test
  void paperLayersAndNamedSets() {
    UNetConfig c = unet.config();
    assertThat(Taps.paper(c)).extracting(Tap::name)
        .containsExactly("Down0", "Down1", "Down2", "Down3", "Mid", "Up0", "Up1", "Up2", "Up3");
    assertThat(Taps.paper(c)).extracting(Tap::path).containsExactly(
        "down_blocks.0.resnets.1", "down_blocks.1.resnets.1", "down_blocks.2.resnets.1", "down_blocks.3.resnets.1",
        "mid_block",
        "up_blocks.0.resnets.1", "up_blocks.1.resnets.1", "up_blocks.2.resnets.1", "up_blocks.3.resnets.1");
    assertThat(Taps.parse("mid, Down2 ,down_blocks.0.attentions.1,Mid", c)).containsExactly(
        new Tap("Mid", "mid_block"), new Tap("Down2", "down_blocks.2.resnets.1"),
        Tap.of("down_blocks.0.attentions.1"));
    List<Tap> all = Taps.all(c);
    // 4 down + mid + 4 up block outputs; 22 resnets, 16 transformers, 3 + 3 resamplers; conv_in and out
    assertThat(all).hasSize(9 + 22 + 16 + 6 + 2);
    assertThat(all.get(0).path()).isEqualTo("conv_in");
    assertThat(all.get(all.size() - 1).path()).isEqualTo("out");
    assertThat(Taps.parse("paper", c)).isEqualTo(Taps.paper(c));
  }
}
