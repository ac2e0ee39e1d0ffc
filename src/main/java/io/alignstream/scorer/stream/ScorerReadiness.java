package io.alignstream.scorer.stream;

import io.alignstream.common.ManagementServer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StandbyUpdateListener;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the scorer can answer right now, and if not, why: a restarted instance first joins
 * the group (rebalancing) and then restores its stores from the changelogs (restoring; after an
 * unclean stop under exactly-once that is the whole changelog). Until both are done its stores
 * hold only part of the settings, so queries get 503 with this reason rather than a partial or
 * empty answer.
 *
 * <p>It also follows this instance's standby copies: a standby starts empty (or from its
 * checkpoint) and catches up with its changelog; from then on it is a complete copy that trails
 * its owner by what the owner wrote since the last fetch, and may answer queries while the owner
 * fails over ({@link #standbyCaughtUp}).
 *
 * <p>Each restoration (from the first changelog partition restoring to the last one done) is
 * logged with its records, the bytes the restore consumer read meanwhile and its duration: the
 * restore rate per stored megabyte of docs/operations.md, which {@code bench chaos} collects.
 */
public final class ScorerReadiness implements StateRestoreListener, StandbyUpdateListener {

  private static final Logger LOG = LoggerFactory.getLogger(ScorerReadiness.class);

  private final KafkaStreams streams;
  /** When the restoration under way began, and the restored records and restore-consumer bytes then. Guarded by this. */
  private long restoreStartNanos;
  private long restoreStartRecords;
  private double restoreStartBytes;
  /** Records still to restore per changelog partition being restored. */
  private final Map<TopicPartition, AtomicLong> restoring = new ConcurrentHashMap<>();
  private final AtomicLong restoredRecords = new AtomicLong();
  /** Standby copies (store and partition) that have reached their changelog's end once since assigned here. */
  private final Set<StorePartition> standbysCaughtUp = ConcurrentHashMap.newKeySet();

  private record StorePartition(String store, int partition) {}

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
      restoreStartBytes = restoreConsumerBytes();
    }
    restoring.put(partition, new AtomicLong(Math.max(0, endingOffset - startingOffset)));
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    restoredRecords.addAndGet(numRestored);
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
    if (restoring.remove(partition) != null && restoring.isEmpty()) {
      double seconds = (System.nanoTime() - restoreStartNanos) / 1e9;
      double megabytes = (restoreConsumerBytes() - restoreStartBytes) / 1e6;
      LOG.info(String.format(Locale.ROOT, "restored %d records, %.3f MB from the changelogs in %.3f s",
          restoredRecords.get() - restoreStartRecords, megabytes, seconds));
    }
  }

  /**
   * Bytes the restore consumers have read so far (Kafka's {@code bytes-consumed-total}; standby
   * updates read through the same consumer and count too).
   */
  private double restoreConsumerBytes() {
    double bytes = 0;
    for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
      MetricName name = metric.getKey();
      if (name.name().equals("bytes-consumed-total") && name.group().equals("consumer-fetch-manager-metrics")
          && name.tags().getOrDefault("client-id", "").endsWith("restore-consumer") && !name.tags().containsKey("topic")
          && metric.getValue().metricValue() instanceof Number value) {
        bytes += value.doubleValue();
      }
    }
    return bytes;
  }

  /** Whether this instance's standby copy of a store partition has caught up with its changelog since it was assigned. */
  public boolean standbyCaughtUp(String store, int partition) {
    return standbysCaughtUp.contains(new StorePartition(store, partition));
  }

  @Override
  public void onUpdateStart(TopicPartition partition, String store, long startingOffset) {
    standbysCaughtUp.remove(new StorePartition(store, partition.partition()));
  }

  @Override
  public void onBatchLoaded(TopicPartition partition, String store, TaskId task, long batchEndOffset, long batchSize,
      long currentEndOffset) {
    // batchEndOffset is the last record loaded; the end offset is the next one to be written
    // (under exactly-once a commit marker follows the last record of each transaction).
    if (batchEndOffset + 2 >= currentEndOffset) {
      standbysCaughtUp.add(new StorePartition(store, partition.partition()));
    }
  }

  @Override
  public void onUpdateSuspended(TopicPartition partition, String store, long storeOffset, long currentEndOffset,
      SuspendReason reason) {
    standbysCaughtUp.remove(new StorePartition(store, partition.partition()));
  }
}
