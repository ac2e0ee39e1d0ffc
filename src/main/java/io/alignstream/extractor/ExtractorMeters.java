package io.alignstream.extractor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * One extractor instance's meters in Micrometer's global registry (scraped through the
 * management port), tagged with its model and instance: images, batch latency and size, the
 * requests waiting in its partitions (its consumer lag), and its Kafka clients' own metrics.
 * Removed again when the instance closes.
 */
public final class ExtractorMeters implements AutoCloseable {

  /** Requests waiting in an instance's partitions: what a fleet's autoscaler sums (deploy/kubernetes). */
  public static final String QUEUE_DEPTH = "alignstream.extractor.queue.depth";

  private final MeterRegistry registry = Metrics.globalRegistry;
  private final Counter images;
  private final Timer batchLatency;
  private final DistributionSummary batchSize;
  private final Timer busy;
  private final Timer readStage;
  private final Timer prepareStage;
  private final Timer extractStage;
  private final Timer commitStage;
  private final AtomicLong queueDepth = new AtomicLong();
  private final Gauge queueGauge;
  private final KafkaClientMetrics consumerMetrics;
  private final KafkaClientMetrics producerMetrics;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** When the last recorded poll committed, for the busy time (the loop's thread only). */
  private long lastCommitted = Long.MIN_VALUE;

  ExtractorMeters(String model, String instance, Consumer<?, ?> consumer, Producer<?, ?> producer) {
    Tags tags = Tags.of("model", model, "instance", instance);
    images = Counter.builder("alignstream.extractor.images").tags(tags)
        .description("Images extracted and committed").register(registry);
    batchLatency = Timer.builder("alignstream.extractor.batch").tags(tags)
        .description("Time from a poll's records to their committed transaction").register(registry);
    busy = Timer.builder("alignstream.extractor.busy").tags(tags)
        .description("Time with a poll in the loop: from a poll's records, or the commit before if that came later, "
            + "to its commit (the wall time of the work, where polls overlap)").register(registry);
    readStage = stage("read", "Reading a poll's requests: Avro decoding, checks, image decoding", tags);
    prepareStage = stage("prepare", "Preparing a poll's images for the model (preprocessing)", tags);
    extractStage = stage("extract", "The model on a poll's prepared images, into embedding records", tags);
    commitStage = stage("commit", "Sending a poll's records and offsets and committing the transaction", tags);
    batchSize = DistributionSummary.builder("alignstream.extractor.batch.size").tags(tags).baseUnit("images")
        .description("Requests in one committed batch").register(registry);
    queueGauge = Gauge.builder(QUEUE_DEPTH, queueDepth, AtomicLong::get).tags(tags)
        .description("Requests waiting in this instance's partitions (its consumer lag) after the last poll")
        .register(registry);
    // The consumer and producer share a client id: a "client" tag keeps their app-info meters apart.
    consumerMetrics = new KafkaClientMetrics(consumer, tags.and("client", "consumer"));
    consumerMetrics.bindTo(registry);
    producerMetrics = new KafkaClientMetrics(producer, tags.and("client", "producer"));
    producerMetrics.bindTo(registry);
  }

  private Timer stage(String stage, String description, Tags tags) {
    return Timer.builder("alignstream.extractor.stage").tags(tags.and("stage", stage)).description(description)
        .register(registry);
  }

  /**
   * When one poll passed each point of the loop ({@code System.nanoTime}): polled, requests read,
   * images prepared, network started and done (on its own thread, overlapping the next poll's
   * reading), transaction begun and committed. The stages are disjoint parts of the poll's latency.
   */
  record PollTimes(long polled, long read, long prepared, long networkStart, long networkEnd, long commitStart,
      long committed) {}

  /** One committed poll: where its time went (bench extractor reads the stages) and its images. */
  void poll(PollTimes t, int requests, int extracted) {
    readStage.record(Duration.ofNanos(t.read() - t.polled()));
    prepareStage.record(Duration.ofNanos(t.prepared() - t.read()));
    extractStage.record(Duration.ofNanos(t.networkEnd() - t.networkStart()));
    commitStage.record(Duration.ofNanos(t.committed() - t.commitStart()));
    busy.record(Duration.ofNanos(t.committed() - Math.max(t.polled(), lastCommitted)));
    lastCommitted = t.committed();
    images.increment(extracted);
    batchSize.record(requests);
    batchLatency.record(Duration.ofNanos(t.committed() - t.polled()));
  }

  void queueDepth(long waiting) {
    queueDepth.set(waiting);
  }

  long queueDepth() {
    return queueDepth.get();
  }

  /** Idempotent: the loop closes its meters when it ends, and so does closing an instance never started. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    consumerMetrics.close();
    producerMetrics.close();
    for (Meter meter : List.of(images, batchLatency, busy, batchSize, queueGauge, readStage, prepareStage, extractStage,
        commitStage)) {
      registry.remove(meter);
    }
  }
}
