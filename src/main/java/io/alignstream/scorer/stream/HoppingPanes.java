package io.alignstream.scorer.stream;

import io.alignstream.scorer.config.ScorerConfig;

/**
 * Hopping windows of {@code size} starting every {@code advance} (aligned to the epoch, as Kafka
 * Streams' TimeWindows), kept as non-overlapping panes of width gcd(size, advance). An
 * evaluation updates one pane instead of size/advance overlapping windows; a window's counts
 * are the sum of its panes when it is emitted.
 */
record HoppingPanes(long sizeMs, long advanceMs, long paneMs) {

  /** The panes of windows whose size and advance {@link ScorerConfig.Windows} checked. */
  static HoppingPanes of(ScorerConfig.Windows windows) {
    long s = windows.size().toMillis();
    long a = windows.advance().toMillis();
    return new HoppingPanes(s, a, gcd(s, a));
  }

  long paneStart(long timestamp) {
    return Math.floorDiv(timestamp, paneMs) * paneMs;
  }

  /** Start of the first window holding the pane at {@code paneStart}. */
  long firstWindowOf(long paneStart) {
    long earliest = Math.max(0, paneStart + paneMs - sizeMs);
    return Math.floorDiv(earliest + advanceMs - 1, advanceMs) * advanceMs;
  }

  /** Start of the last window holding the pane at {@code paneStart}. */
  long lastWindowOf(long paneStart) {
    return Math.floorDiv(paneStart, advanceMs) * advanceMs;
  }

  /** Whether no window holding this pane can change once stream time reached {@code streamTime}. */
  boolean isClosed(long paneStart, long streamTime) {
    return paneStart + sizeMs + advanceMs < streamTime;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
