package io.alignstream.extractor.diffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD 2.1's real UNet architecture with random weights (a 3.5 GB checkpoint written to a temp
 * folder and loaded like a real one): one forward at a 64x64 latent runs end to end, stays
 * finite, and its time is printed. Run with {@code mvn -o -Pslow test -Dtest=UNetRealSizeTest}.
 */
@Tag("slow")
class UNetRealSizeTest {

  @Test
  void sd21ArchitectureRunsAtFullSize(@TempDir Path tmp) throws Exception {
    Path config = Fixtures.dir().resolve("sd21-configs/unet/config.json");
    Path unetDir = Files.createDirectories(tmp.resolve("unet"));
    Files.copy(config, unetDir.resolve("config.json"));
    UNetConfig c = UNetConfig.from(ComponentFolder.open(unetDir, "unet", null));
    writeRandomWeights(UNetParameters.of(c).shapes(), unetDir.resolve("diffusion_pytorch_model.safetensors"));

    try (UNet unet = UNet.load(ComponentFolder.open(unetDir, "unet", "UNet2DConditionModel"), Placement.cpu());
        NDManager m = NDManager.newBaseManager()) {
      assertThat(unet.parameters()).isEqualTo(865_910_724L);
      var latents = m.randomNormal(new Shape(1, 4, 64, 64));
      var text = m.randomNormal(new Shape(1, 77, 1024));
      List<String> taps = new java.util.ArrayList<>(Taps.paths(Taps.paper(c)));
      taps.add("out");
      var threads = ManagementFactory.getThreadMXBean();
      long wall = System.nanoTime();
      long cpu = threads.getCurrentThreadCpuTime();
      UNetOutput out = unet.forward(latents, new float[] {500}, text, taps, Pooling.MEAN);
      double wallS = (System.nanoTime() - wall) / 1e9;
      double cpuS = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
      UNetFlops flops = UNetFlops.of(c, 1, 64, 64, 77);
      System.out.printf("SD 2.1 UNet (random weights), 64x64 latent, batch 1: %.1f s wall, %.1f s cpu, %.1f GFLOP/s (%s)%n",
          wallS, cpuS, flops.total() / wallS / 1e9, flops);
      assertThat(out.get("out").shape()).containsExactly(1, 4);
      assertThat(out.get("down_blocks.0.resnets.1").shape()).containsExactly(1, 320);
      assertThat(out.get("mid_block").shape()).containsExactly(1, 1280);
      for (TapValue v : out.taps().values()) {
        for (float f : v.values()) {
          assertThat(Float.isFinite(f)).as(v.path()).isTrue();
        }
      }
    }
  }

  /** Fan-in-scaled gaussian weights, zero biases, unit norm scales: activations stay O(1). */
  private static void writeRandomWeights(Map<String, long[]> layout, Path file) {
    SplittableRandom rng = new SplittableRandom(21);
    SafetensorsWriter writer = new SafetensorsWriter();
    layout.forEach((name, shape) -> {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      float[] values = new float[Math.toIntExact(n)];
      if (shape.length == 1) {
        boolean normScale = name.endsWith(".weight");
        java.util.Arrays.fill(values, normScale ? 1f : 0f);
      } else {
        double std = 1 / Math.sqrt((double) n / shape[0]);
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (rng.nextGaussian() * std);
        }
      }
      writer.putFloats(name, shape, values);
    });
    writer.write(file);
  }
}
