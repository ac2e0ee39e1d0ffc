package io.alignstream.extractor;

import io.alignstream.common.InputLimits;
import java.time.Duration;

/**
 * How an extractor instance runs.
 *
 * @param instanceId this instance's name; part of its transactional id and, with static
 *     membership, its group instance id, so keep it stable across restarts of the same instance
 * @param imagesPerTransaction images polled, extracted and committed together
 * @param pollTimeout how long one poll waits for requests
 * @param maxPollInterval how long extracting one batch may take before the group evicts the
 *     instance (a large model on CPU needs minutes per batch)
 * @param sessionTimeout how long the group waits for a silent (killed) instance before its
 *     partitions move to the others; heartbeats come from a background thread, so a long batch
 *     does not count against it
 * @param staticMembership join as a static member ({@code group.instance.id}): an instance
 *     restarted in place within the session timeout gets its partitions back without a rebalance
 * @param limits what one request may cost (pixels, bytes) and the longest vector published
 */
public record ExtractorOptions(
    String instanceId, int imagesPerTransaction, Duration pollTimeout, Duration maxPollInterval,
    Duration sessionTimeout, boolean staticMembership, InputLimits limits) {

  /** Kafka's default is 45 s; 10 s moves a dead instance's partitions within seconds. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

  public ExtractorOptions {
    if (imagesPerTransaction < 1) {
      throw new IllegalArgumentException("images per transaction must be >= 1, got " + imagesPerTransaction);
    }
  }

  /** Options with the default session timeout, static membership and input limits. */
  public ExtractorOptions(String instanceId, int imagesPerTransaction, Duration pollTimeout, Duration maxPollInterval) {
    this(instanceId, imagesPerTransaction, pollTimeout, maxPollInterval, DEFAULT_SESSION_TIMEOUT, true,
        InputLimits.defaults());
  }

  public static ExtractorOptions defaults(String instanceId) {
    return new ExtractorOptions(instanceId, 16, Duration.ofMillis(500), Duration.ofMinutes(30));
  }
}
