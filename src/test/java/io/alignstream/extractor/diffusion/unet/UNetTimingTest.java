package io.alignstream.extractor.diffusion.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints milliseconds per forward of the tiny UNet (16x16 latent, batch 6); nothing about speed
 * is asserted. Run with {@code mvn -o -Pslow test -Dtest=UNetTimingTest}; with
 * {@code OMP_NUM_THREADS=1} the calling thread's CPU time is the whole cost of a forward and a
 * fair measure even on a busy machine.
 */
@Tag("slow")
class UNetTimingTest {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Test
  void tinyForwardTiming() {
    try (UNet unet = UNet.load(PipelineFolder.open(Fixtures.tinySd2()), Placement.cpu());
        SafetensorsFile ref = Fixtures.reference();
        NDManager m = NDManager.newBaseManager()) {
      NDArray latents = Fixtures.latents(m, ref, "t500");
      NDArray context = Fixtures.context(m, ref);
      UNetFlops flops = UNetFlops.of(unet.config(), 6, 16, 16, 77);
      List<String> paper = Taps.paths(Taps.paper(unet.config()));
      for (int round = 0; round < 5; round++) {
        double[] full = msPerForward(unet, latents, context, List.of("out"), 20);
        double[] taps = msPerForward(unet, latents, context, paper, 20);
        System.out.printf("tiny UNet 16x16 batch 6: full forward %.1f ms wall, %.1f ms cpu (%.1f GFLOP/s wall);"
            + " paper taps %.1f ms wall, %.1f ms cpu%n", full[0], full[1], flops.total() / full[0] / 1e6, taps[0], taps[1]);
      }
    }
  }

  /** {wall ms, calling-thread cpu ms} per forward. */
  private static double[] msPerForward(UNet unet, NDArray latents, NDArray context, List<String> taps, int n) {
    unet.forward(latents, new float[] {500}, context, taps, Pooling.MEAN); // warm-up
    long wall = System.nanoTime();
    long cpu = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < n; i++) {
      UNetOutput out = unet.forward(latents, new float[] {500}, context, taps, Pooling.MEAN);
      assertThat(out.taps()).hasSize(taps.size());
    }
    return new double[] {(System.nanoTime() - wall) / 1e6 / n, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6 / n};
  }
}
