package io.alignstream.extractor;

import io.alignstream.common.InputLimits;
import java.time.Duration;

/**
 * How an extractor instance runs.
 *
 * @param instanceId this instance's name; part of its transactional id, so keep it stable
 *     across restarts of the same instance
 * @param imagesPerTransaction images polled, extracted and committed together
 * @param pollTimeout how long one poll waits for requests
 * @param maxPollInterval how long extracting one batch may take before the group evicts the
 *     instance (a large model on CPU needs minutes per batch)
 * @param limits what one request may cost (pixels, bytes) and the longest vector published
 */
public record ExtractorOptions(
    String instanceId, int imagesPerTransaction, Duration pollTimeout, Duration maxPollInterval, InputLimits limits) {

  public ExtractorOptions {
    if (imagesPerTransaction < 1) {
      throw new IllegalArgumentException("images per transaction must be >= 1, got " + imagesPerTransaction);
    }
  }

  /** Options with the default input limits. */
  public ExtractorOptions(String instanceId, int imagesPerTransaction, Duration pollTimeout, Duration maxPollInterval) {
    this(instanceId, imagesPerTransaction, pollTimeout, maxPollInterval, InputLimits.defaults());
  }

  public static ExtractorOptions defaults(String instanceId) {
    return new ExtractorOptions(instanceId, 16, Duration.ofMillis(500), Duration.ofMinutes(30));
  }
}
