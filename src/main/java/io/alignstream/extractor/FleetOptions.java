package io.alignstream.extractor;

import java.time.Duration;

/**
 * How a fleet instance runs.
 *
 * @param extractor how each model's extractor runs; its instance id names this fleet instance
 *     (keep it stable across restarts: the instance resumes the model requests where it stopped)
 * @param model how models are opened (device, UNet batch, model cache, ...); each request sets
 *     taps, pooling and dtype
 * @param checkInterval how often an evaluating instance checks whether the model's group has
 *     consumed every request, and reports progress
 */
public record FleetOptions(ExtractorOptions extractor, ModelOptions model, Duration checkInterval) {

  public FleetOptions {
    if (checkInterval.isNegative() || checkInterval.isZero()) {
      throw new IllegalArgumentException("check interval must be positive, got " + checkInterval);
    }
  }

  public String instanceId() {
    return extractor.instanceId();
  }
}
