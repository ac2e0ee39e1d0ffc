package io.alignstream.extractor.vision;

import ai.djl.pytorch.jni.JniUtils;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many intra-op threads libtorch gets for each batch size on the CPU: the configured count
 * ({@code --threads}, else libtorch's default), or one thread where one is faster.
 *
 * <p>Why: libtorch 2.5's CPU kernels (MKL's sgemm, oneDNN's convolution, layer norm, softmax,
 * gelu) open an OpenMP parallel region even for one small image, and waking the pool's other
 * thread, asleep under {@code OMP_WAIT_POLICY=PASSIVE}, costs more than it brings: the ViT
 * fixture at batch 1 runs its 23 parallel operators 10-15 us slower each on two threads than on
 * one, and the whole forward takes 2-3x the CPU (docs/benchmarks.md, "Vision models"). Where the
 * threads start to pay depends on the network and the batch, so each batch size is timed: its
 * first {@link #WARM} forwards run at the configured count untimed, then a block of forwards on
 * one thread and a block on the configured count, each {@link #TRIALS} timed forwards after an
 * untimed one (the first forward after a change rebuilds oneDNN's primitives, below), and the
 * count with the least wall time is kept for that batch size.
 *
 * <p>libtorch's setting belongs to the calling thread (OpenMP's per-thread count, MKL's local
 * one), so it is applied on the thread that runs the forward, and only when it changes: each
 * change also drops oneDNN's cached primitives. Not thread-safe: the network serialises its calls.
 */
final class TorchScriptThreads {

  private static final Logger LOG = LoggerFactory.getLogger(TorchScriptThreads.class);
  /** Forwards of a new batch size left untimed (libtorch's profiling pass, cold caches, Java's JIT). */
  static final int WARM = 3;
  /** Timed forwards per count and batch size. */
  static final int TRIALS = 3;
  /** Forwards of a batch size before its count is chosen: the warm-up and two blocks of an untimed and TRIALS timed. */
  static final int TRIAL_CALLS = WARM + 2 * (1 + TRIALS);

  private final String model;
  private final int configured;
  private final LongSupplier clock;
  private final Map<Long, Timing> batches = new HashMap<>();

  /** One batch size's trials: calls so far, least wall nanos per count, and the count chosen (0 while timing). */
  private static final class Timing {
    int calls;
    long leastOne = Long.MAX_VALUE;
    long leastConfigured = Long.MAX_VALUE;
    int chosen;
  }

  /**
   * @param configured the intra-op threads asked for; below 2 (or a GPU network) there is nothing
   *     to choose and every forward runs as it is
   */
  TorchScriptThreads(String model, int configured, LongSupplier clock) {
    this.model = model;
    this.configured = configured;
    this.clock = clock;
  }

  /**
   * The intra-op count {@code --threads} set (or libtorch's default), read once, when the first
   * network opens: later the opening thread's own count may be one a network chose.
   */
  static int configured() {
    return Configured.THREADS;
  }

  private static final class Configured {
    static final int THREADS = read();

    private static int read() {
      ai.djl.engine.Engine.getInstance(); // loads the native library before the JNI call
      return JniUtils.getNumThreads();
    }
  }

  /** Runs {@code forward} (one batch of {@code batch} images) at the count chosen for its size. */
  <T> T run(long batch, Supplier<T> forward) {
    if (configured < 2) {
      return forward.get();
    }
    Timing timing = batches.computeIfAbsent(batch, b -> new Timing());
    boolean oneThreadBlock = timing.calls >= WARM && timing.calls < WARM + 1 + TRIALS;
    int threads = timing.chosen > 0 ? timing.chosen : oneThreadBlock ? 1 : configured;
    if (JniUtils.getNumThreads() != threads) {
      JniUtils.setNumThreads(threads);
    }
    long start = clock.getAsLong();
    T result = forward.get();
    if (timing.chosen == 0) {
      record(batch, timing, threads, clock.getAsLong() - start);
    }
    return result;
  }

  private void record(long batch, Timing timing, int threads, long nanos) {
    if (timing.calls >= WARM && (timing.calls - WARM) % (1 + TRIALS) != 0) {
      if (threads == 1) {
        timing.leastOne = Math.min(timing.leastOne, nanos);
      } else {
        timing.leastConfigured = Math.min(timing.leastConfigured, nanos);
      }
    }
    timing.calls++;
    if (timing.calls == TRIAL_CALLS) {
      timing.chosen = timing.leastOne < timing.leastConfigured ? 1 : configured;
      LOG.info("{}: batches of {} on {} intra-op thread(s) ({} ms per batch on 1, {} ms on {})", model, batch,
          timing.chosen, millis(timing.leastOne), millis(timing.leastConfigured), configured);
    }
  }

  /** The count chosen for {@code batch}, or 0 while it is being timed (or never run). */
  int chosen(long batch) {
    Timing timing = batches.get(batch);
    return timing == null ? 0 : timing.chosen;
  }

  private static String millis(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.3g", nanos / 1e6);
  }
}
