package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TorchScriptThreads} keeps, per batch size, the intra-op count whose timed forwards were
 * faster, and applies it to libtorch on the calling thread; a real network gives the reference
 * layers on either count. The clock is a counter that each forward advances by a cost that
 * depends on the count libtorch reports for the calling thread, so the choice is the test's, not
 * the machine's.
 */
class TorchScriptThreadsTest {

  private int original;
  private long now;

  @BeforeEach
  void remember() {
    original = TorchScriptThreads.configured();
  }

  @AfterEach
  void restore() {
    JniUtils.setNumThreads(original);
  }

  /** A forward that takes {@code oneThread} nanos on one thread and {@code twoThreads} on two, and says which it ran on. */
  private int forward(long oneThread, long twoThreads) {
    int threads = JniUtils.getNumThreads();
    now += threads == 1 ? oneThread : twoThreads;
    return threads;
  }

  @Test
  void eachBatchSizeKeepsTheFasterCountAfterItsTrials() {
    TorchScriptThreads threads = new TorchScriptThreads("test", 2, () -> now);
    int trialCalls = TorchScriptThreads.TRIAL_CALLS;
    List<Integer> small = new ArrayList<>();
    List<Integer> large = new ArrayList<>();
    for (int i = 0; i < trialCalls + 3; i++) {
      small.add(threads.run(1, () -> forward(1_000_000, 3_000_000)));
      large.add(threads.run(64, () -> forward(30_000_000, 20_000_000)));
    }
    // the warm-up forwards on the configured count, a block on one thread, a block on the
    // configured count, then the choice
    assertThat(small.subList(0, trialCalls)).containsExactly(2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2);
    assertThat(small.subList(trialCalls, small.size())).containsOnly(1);
    assertThat(large.subList(trialCalls, large.size())).containsOnly(2);
    assertThat(threads.chosen(1)).isEqualTo(1);
    assertThat(threads.chosen(64)).isEqualTo(2);
    assertThat(threads.chosen(16)).isZero();
  }

  /**
   * The warm-up forwards and the first forward after each change of count (oneDNN's primitives
   * rebuilt) are left untimed: here they are the fastest of all, so timing any of them would
   * turn the choice.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void theWarmUpAndTheFirstForwardAfterEachChangeAreNotTimed(int faster) {
    TorchScriptThreads threads = new TorchScriptThreads("test", 2, () -> now);
    int blockStart = TorchScriptThreads.WARM;
    for (int i = 0; i < TorchScriptThreads.TRIAL_CALLS; i++) {
      boolean untimed = i < TorchScriptThreads.WARM || (i - blockStart) % (1 + TorchScriptThreads.TRIALS) == 0;
      threads.run(16, () -> untimed ? forward(0, 0) : faster == 1 ? forward(1_000_000, 2_000_000)
          : forward(2_000_000, 1_000_000));
    }
    assertThat(threads.chosen(16)).isEqualTo(faster);
  }

  @Test
  void withOneConfiguredThreadNothingIsTimedOrSet() {
    JniUtils.setNumThreads(2);
    TorchScriptThreads threads = new TorchScriptThreads("test", 1, () -> now);
    for (int i = 0; i < 10; i++) {
      assertThat(threads.run(1, () -> forward(1, 2))).isEqualTo(2);
    }
    assertThat(threads.chosen(1)).isZero();
  }

  /**
   * Also the network's reuse of its input tensor across batches of one shape: every other forward
   * is a different batch of the same shape, so a tensor that kept its first values would fail.
   */
  @Test
  void theVitFixtureGivesItsReferenceLayersOnEitherCount() {
    List<String> layers = VisionFixtures.layers("vit");
    VisionModelSource source = VisionModelSource.resolve(VisionFixtures.model("vit").resolve("layers.pt").toString(),
        null).orElseThrow();
    VisionFeatureModel.Opened opened = VisionFeatureModel.openNetwork(source, "cpu", String.join(",", layers),
        new int[] {64, 64}, true);
    TorchScriptThreads threads = new TorchScriptThreads("vit", 2, System::nanoTime);
    try (LayerNetwork network = opened.network(); SafetensorsFile ref = VisionFixtures.reference("vit")) {
      long[] shape = ref.info("input").dims();
      float[] input = ref.floats("input");
      float[] other = VisionFeatureModel.probeInput(shape);
      List<Integer> counts = new ArrayList<>();
      for (int i = 0; i < TorchScriptThreads.TRIAL_CALLS; i++) {
        Map<String, LayerNetwork.Output> out = threads.run(shape[0], () -> {
          counts.add(JniUtils.getNumThreads());
          network.run(other, shape);
          return network.run(input, shape);
        });
        for (String layer : layers) {
          assertThat(VisionFixtures.maxAbsDiff(out.get(layer).values(), ref.floats("layer." + layer)))
              .as(layer + " on " + counts.get(i) + " thread(s)").isLessThanOrEqualTo(1e-4);
        }
      }
      assertThat(counts).contains(1, 2);
    }
  }
}
