package io.alignstream.scorer.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.scorer.ceiling.CeilingView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the {@code oooa}, {@code oooa-windowed}, {@code probes} and {@code regressions}
 * topics (read_committed, every partition), keeps the latest value of each setting in the
 * {@link ResultsView} and pushes each update to the {@link EventHub}. Reading the output topics,
 * rather than hooking the processors, means every instance's dashboard and view see every
 * setting, whichever instance scored it, and only values whose transaction committed. The
 * compacted {@code oooa}, {@code probes} and {@code regressions} are read from their beginning
 * (at most a few records per setting), for the view; what was published before this instance
 * started is not sent as events (an SSE client gets it in its snapshot), and the windowed
 * metrics, which the view does not hold, are read from their end, and only while an SSE client
 * is connected: they are six records per changed setting and emit tick (a minute's windows
 * advancing by 10 s), most of what the scorer publishes, and news to no one else. The noise
 * ceiling is not a topic: it is asked for once a second and sent as a {@code ceiling} event
 * when it differs from the last one sent.
 */
public final class MetricFeed implements Runnable, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroSerde<AlignmentMetric> metrics;
  private final AvroSerde<ProbeResult> probes;
  private final AvroSerde<RegressionResult> regressions;
  private final EventHub hub;
  private final MetricsQuery query;
  private final ResultsView view;
  private final Topics topics;
  /** Where each partition of the view's topics ended when this instance started: the view is complete past it. */
  private final Map<TopicPartition, Long> startEnds;
  private final List<TopicPartition> windowed;
  /** Whether the windowed partitions are being read (only while an SSE client listens). */
  private boolean followingWindowed;
  private boolean caughtUp;
  private CeilingView lastCeiling;
  private long lastCeilingCheck;
  private final ObjectMapper json = new ObjectMapper();
  private final Thread thread;
  private volatile boolean running = true;

  public MetricFeed(ClusterConfig cluster, String clientId, EventHub hub, MetricsQuery query) {
    Map<String, Object> props = cluster.consumerProperties(clientId, clientId);
    props.remove("group.id"); // assigned partitions, no group: every instance reads everything
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.metrics = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
    this.probes = AvroSerde.configured(ProbeResult.class, cluster.serdeProperties(), false);
    this.regressions = AvroSerde.configured(RegressionResult.class, cluster.serdeProperties(), false);
    this.hub = hub;
    this.query = query;
    this.view = query.view();
    this.topics = cluster.topics();
    List<TopicPartition> viewed = partitionsOf(List.of(topics.oooa(), topics.probes(), topics.regressions()));
    this.windowed = partitionsOf(List.of(topics.oooaWindowed()));
    List<TopicPartition> partitions = new ArrayList<>(viewed);
    partitions.addAll(windowed);
    consumer.assign(partitions);
    consumer.seekToBeginning(viewed);
    consumer.pause(windowed); // until an SSE client listens
    this.startEnds = consumer.endOffsets(viewed); // read_committed: the last stable offsets
    this.thread = new Thread(this, "alignstream-metric-feed");
    this.thread.setDaemon(true);
  }

  private List<TopicPartition> partitionsOf(List<String> names) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : names) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    return partitions;
  }

  public void start() {
    thread.start();
  }

  @Override
  public void run() {
    try {
      while (running) {
        try {
          followWindowedWhileListened();
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            publish(record);
          }
          if (!caughtUp && startEnds.entrySet().stream().allMatch(end -> position(end.getKey()) >= end.getValue())) {
            caughtUp = true;
            view.caughtUp();
            LOG.info("the view of the published results is complete (read up to where the topics ended at start)");
          }
          publishCeilingIfChanged();
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          // a client error while a broker is lost: the feed goes on (a feed that stopped would
          // leave the view, and so the answers of a dead owner's settings, stale for good)
          LOG.warn("metric feed: {}; going on", e.toString());
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /**
   * Reads the windowed metrics from their end while an SSE client is connected, and stops
   * fetching them when the last one leaves. The feed notices a new client after its current
   * poll (up to 500 ms): windowed metrics published in between pass that client by, as they
   * passed by before it connected; every window still changing is published again at the next
   * emit tick.
   */
  private void followWindowedWhileListened() {
    boolean listened = hub.subscribers() > 0;
    if (listened && !followingWindowed) {
      consumer.seekToEnd(windowed);
      consumer.resume(windowed);
    } else if (!listened && followingWindowed) {
      consumer.pause(windowed);
    }
    followingWindowed = listened;
  }

  /** Where the feed is in a partition; -1 while that is not known yet (its leader unreachable). */
  private long position(TopicPartition partition) {
    try {
      return consumer.position(partition, Duration.ZERO);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      return -1;
    }
  }

  private void publish(ConsumerRecord<String, byte[]> record) {
    try {
      if (record.value() == null) {
        return;
      }
      String topic = record.topic();
      // replayed for the view: published before this instance started, so not news to send
      boolean replayed = record.offset() < startEnds.getOrDefault(new TopicPartition(topic, record.partition()), 0L);
      Object update;
      String name;
      if (topic.equals(topics.probes())) {
        ProbeView probe = ProbeView.of(probes.deserialize(topic, record.value()), MetricsQuery.VIEW);
        view.probes.put(probe);
        update = probe;
        name = "probe";
      } else if (topic.equals(topics.regressions())) {
        RegressionView regression = RegressionView.of(regressions.deserialize(topic, record.value()), MetricsQuery.VIEW);
        view.regressions.put(regression);
        update = regression;
        name = "regression";
      } else {
        MetricView metric = MetricView.of(metrics.deserialize(topic, record.value()), MetricsQuery.VIEW);
        if (topic.equals(topics.oooa())) {
          view.metrics.put(metric);
        }
        update = metric;
        name = topic.equals(topics.oooa()) ? "metric" : "windowed";
      }
      if (!replayed && hub.subscribers() > 0) {
        hub.publish(new EventHub.Event(name, json.writeValueAsString(update)));
      }
    } catch (RuntimeException | JsonProcessingException e) {
      LOG.warn("skipping an undecodable metric at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
          e.getMessage());
    }
  }

  private void publishCeilingIfChanged() {
    long now = System.currentTimeMillis();
    if (now - lastCeilingCheck < 1000) {
      return;
    }
    lastCeilingCheck = now;
    try {
      Optional<CeilingView> ceiling = query.ceiling();
      if (ceiling.isPresent() && !ceiling.get().equals(lastCeiling)) {
        lastCeiling = ceiling.get();
        view.ceiling(lastCeiling);
        hub.publish(new EventHub.Event("ceiling", json.writeValueAsString(lastCeiling)));
      }
    } catch (MetricsQuery.Unavailable e) {
      LOG.debug("noise ceiling not queryable now: {}", e.getMessage());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the noise ceiling as JSON", e);
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
