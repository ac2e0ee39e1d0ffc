package io.alignstream.scorer.stream;

import io.alignstream.common.ManagementServer;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the scorer can answer right now, and if not, why: a restarted instance first joins
 * the group (rebalancing) and then restores its stores from the changelogs (restoring; after an
 * unclean stop under exactly-once that is the whole changelog). Until both are done its stores
 * hold only part of the settings, so queries get 503 with this reason rather than a partial or
 * empty answer.
 *
 * <p>Each restoration (from a changelog partition starting to restore while none was, to the
 * last one done) is logged with its records and duration, and per changelog topic its records and
 * the seconds from the restoration's start until its last partition was done ({@code
 * topic=records@seconds}), which {@code bench chaos} and {@code bench restore} collect (and turn into bytes with each changelog's stored bytes per
 * record: the listener is told records, not bytes).
 */
public final class ScorerReadiness implements StateRestoreListener {

  private static final Logger LOG = LoggerFactory.getLogger(ScorerReadiness.class);

  private final KafkaStreams streams;
  /** When the restoration under way began, and the records restored before it. Guarded by this. */
  private long restoreStartNanos;
  private long restoreStartRecords;
  /** Records still to restore per changelog partition being restored. */
  private final Map<TopicPartition, AtomicLong> restoring = new ConcurrentHashMap<>();
  private final AtomicLong restoredRecords = new AtomicLong();
  /** Records restored per changelog topic in the restoration under way. */
  private final Map<String, AtomicLong> restoredByTopic = new ConcurrentHashMap<>();
  /** When each changelog topic's last partition so far was done, in the restoration under way. Guarded by this. */
  private final Map<String, Long> topicDoneNanos = new TreeMap<>();

  public ScorerReadiness(KafkaStreams streams) {
    this.streams = streams;
  }

  /** The state word and reason of /ready and of a 503 (state "running" and no reason when ready). */
  public ManagementServer.Status status() {
    KafkaStreams.State state = streams.state();
    return switch (state) {
      case RUNNING -> restoring.isEmpty() ? ManagementServer.Status.running() : restoringStatus();
      case CREATED -> ManagementServer.Status.notReady("starting", "the scorer is starting");
      case REBALANCING -> restoring.isEmpty()
          ? ManagementServer.Status.notReady("rebalancing", "the scorer instances are (re)assigning partitions")
          : restoringStatus();
      case PENDING_SHUTDOWN, NOT_RUNNING -> ManagementServer.Status.notReady("stopping", "the scorer is stopping");
      case PENDING_ERROR, ERROR -> ManagementServer.Status.failed("the scorer's streams failed (" + state + ")");
    };
  }

  private ManagementServer.Status restoringStatus() {
    long left = restoring.values().stream().mapToLong(AtomicLong::get).sum();
    return ManagementServer.Status.notReady("restoring", "restoring state from the changelogs: " + restoredRecords.get()
        + " records restored, " + left + " to go in " + restoring.size() + " partitions");
  }

  @Override
  public synchronized void onRestoreStart(TopicPartition partition, String store, long startingOffset,
      long endingOffset) {
    if (restoring.isEmpty()) {
      restoreStartNanos = System.nanoTime();
      restoreStartRecords = restoredRecords.get();
      restoredByTopic.clear();
      topicDoneNanos.clear();
    }
    restoring.put(partition, new AtomicLong(Math.max(0, endingOffset - startingOffset)));
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    restoredRecords.addAndGet(numRestored);
    restoredByTopic.computeIfAbsent(partition.topic(), topic -> new AtomicLong()).addAndGet(numRestored);
    AtomicLong left = restoring.get(partition);
    if (left != null) {
      left.addAndGet(-numRestored);
    }
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    restored(partition);
  }

  @Override
  public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
    restored(partition);
  }

  private synchronized void restored(TopicPartition partition) {
    if (restoring.remove(partition) == null) {
      return;
    }
    topicDoneNanos.put(partition.topic(), System.nanoTime());
    if (restoring.isEmpty()) {
      double seconds = (System.nanoTime() - restoreStartNanos) / 1e9;
      String byTopic = new TreeMap<>(restoredByTopic).entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s=%d@%.3f", e.getKey(), e.getValue().get(),
              (topicDoneNanos.getOrDefault(e.getKey(), restoreStartNanos) - restoreStartNanos) / 1e9))
          .collect(Collectors.joining(" "));
      LOG.info(String.format(Locale.ROOT, "restored %d records from the changelogs in %.3f s [%s]",
          restoredRecords.get() - restoreStartRecords, seconds, byTopic));
    }
  }
}
