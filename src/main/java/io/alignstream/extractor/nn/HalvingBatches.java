package io.alignstream.extractor.nn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs through a network in batches of at most a configured size, halving a batch that runs
 * out of device memory ({@link DeviceOutOfMemoryException#isOutOfMemory}) down to one job, and
 * remembering per input size the batch that fitted, so later runs start there instead of failing
 * again; only a job that does not fit alone fails, with a {@link DeviceOutOfMemoryException}. The
 * UNet's and the SD3 transformer's batchers both run through it.
 */
public final class HalvingBatches {

  private static final Logger LOG = LoggerFactory.getLogger(HalvingBatches.class);

  private final int batchSize;
  /** Input size (e.g. latent [h, w]) -> the largest batch that fitted after running out of memory. */
  private final Map<List<Long>, Integer> fitting = new HashMap<>();
  private long halvings;

  public HalvingBatches(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    this.batchSize = batchSize;
  }

  public int batchSize() {
    return batchSize;
  }

  /**
   * Runs every job, in order, and returns the forwards' results in order (one per batch run).
   *
   * @param size the input size the fitted batch is remembered for
   * @param cap most jobs per batch for this size whatever is configured (e.g. an attention budget)
   * @param forward runs one batch
   * @param what names one input in errors and logs, e.g. "UNet input at latent 64 x 64"
   */
  public <J, R> List<Batch<J, R>> run(List<J> jobs, List<Long> size, int cap, Function<List<J>, R> forward,
      String what) {
    List<Batch<J, R>> out = new ArrayList<>();
    int n = Math.min(cap, fitting.getOrDefault(size, batchSize));
    for (int from = 0; from < jobs.size(); from += n) {
      List<J> batch = jobs.subList(from, Math.min(jobs.size(), from + n));
      R result;
      try {
        result = forward.apply(batch);
      } catch (RuntimeException | OutOfMemoryError e) {
        if (!DeviceOutOfMemoryException.isOutOfMemory(e)) {
          throw e;
        }
        if (batch.size() == 1) {
          throw new DeviceOutOfMemoryException("one " + what + " does not fit the device: " + e.getMessage(), e);
        }
        n = batch.size() / 2;
        fitting.put(size, n);
        halvings++;
        LOG.warn("a forward of {} x {} ran out of memory ({}); retrying with {}", batch.size(), what, e.getMessage(), n);
        from -= n; // the loop adds n back: retry from the same job
        continue;
      }
      out.add(new Batch<>(List.copyOf(batch), result));
    }
    return out;
  }

  /** One batch that ran and what its forward returned. */
  public record Batch<J, R>(List<J> jobs, R result) {}

  /** Times a batch was halved because it ran out of memory. */
  public long halvings() {
    return halvings;
  }
}
