package io.alignstream.scorer;

import com.sun.net.httpserver.HttpServer;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ManagementServer;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.Replication;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.ceiling.CeilingView;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.http.AnalysesView;
import io.alignstream.scorer.http.EventHub;
import io.alignstream.scorer.http.MetricFeed;
import io.alignstream.scorer.http.MetricView;
import io.alignstream.scorer.http.MetricsQuery;
import io.alignstream.scorer.http.ProbeView;
import io.alignstream.scorer.http.RegressionView;
import io.alignstream.scorer.http.ScorerHttpApi;
import io.alignstream.scorer.jobs.AnalysisJobs;
import io.alignstream.scorer.stream.ScorerMeters;
import io.alignstream.scorer.stream.ScorerReadiness;
import io.alignstream.scorer.stream.ScorerTopology;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running scorer: the Kafka Streams topology, the REST/SSE/dashboard server, and the feed of
 * metric updates. Start as many instances with the same application id as there are partitions
 * to share: each holds the settings of its partitions and answers queries for the others.
 *
 * <pre>
 *   try (ScorerService scorer = ScorerService.start(cluster, ScorerConfig.defaults(dir).withHttp(h -&gt; h.withPort(0)))) {
 *     scorer.awaitRunning(Duration.ofSeconds(60));
 *     List&lt;MetricView&gt; now = scorer.metrics();
 *   }
 * </pre>
 */
public final class ScorerService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ScorerService.class);
  /**
   * The main consumer's session timeout unless -X sets one: the broker's smallest allowed
   * ({@code group.min.session.timeout.ms}, 6 s; Kafka's default is 45 s). See docs/operations.md.
   */
  static final int SESSION_TIMEOUT_MS = 6_000;
  /**
   * Changelog records a copy may trail and still count as caught up when tasks are assigned
   * (Kafka Streams' default is 10,000): below the changelog of a partition with a few
   * thousand triplets, so an instance restarted with its state wiped is not given its tasks
   * back before it restored them while another instance holds a warm standby.
   */
  static final long ACCEPTABLE_RECOVERY_LAG = 1_000;

  private final KafkaStreams streams;
  private final HttpServer http;
  private final ExecutorService httpThreads;
  private final MetricFeed feed;
  private final MetricsQuery query;
  private final AnalysisJobs analyses;
  private final HostInfo self;
  private final ScorerReadiness readiness;
  private final ScorerMeters meters;

  private ScorerService(KafkaStreams streams, HttpServer http, ExecutorService httpThreads, MetricFeed feed,
      MetricsQuery query, AnalysisJobs analyses, HostInfo self, ScorerReadiness readiness, ScorerMeters meters) {
    this.streams = streams;
    this.readiness = readiness;
    this.meters = meters;
    this.http = http;
    this.httpThreads = httpThreads;
    this.feed = feed;
    this.query = query;
    this.analyses = analyses;
    this.self = self;
  }

  /**
   * Creates missing pipeline topics, binds the HTTP port, and starts the streams. Returns once
   * started; {@link #awaitRunning} waits until the stores are restored and queryable.
   */
  public static ScorerService start(ClusterConfig cluster, ScorerConfig config) {
    Replication replication = PipelineTopics.ensure(cluster, config.topics());
    int partitions = partitionsOf(cluster, cluster.topics().embeddings());
    HttpServer http = bind(config.http());
    try {
      return start(cluster, config, replication, partitions, http);
    } catch (RuntimeException e) {
      http.stop(0);
      throw e;
    }
  }

  private static ScorerService start(ClusterConfig cluster, ScorerConfig config, Replication replication,
      int partitions, HttpServer http) {
    HostInfo self = new HostInfo(config.http().advertisedHost(), http.getAddress().getPort());
    String instance = config.streams().applicationId() + "@" + self.host() + ":" + self.port();
    AnalysisJobs analyses = new AnalysisJobs(config.analysis());
    Topology topology = ScorerTopology.build(cluster.topics(), cluster.serdeProperties(), config, analyses, partitions,
        instance);
    KafkaStreams streams = new KafkaStreams(topology, streamsProperties(cluster, config, replication, self));
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("scorer stream thread failed; replacing it (state is restored from the changelogs)", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    ScorerReadiness readiness = new ScorerReadiness(streams);
    streams.setGlobalStateRestoreListener(readiness);
    EventHub hub = new EventHub();
    MetricsQuery query = new MetricsQuery(streams, self, readiness, config.ceiling(), partitions);
    new ScorerHttpApi(query, hub, () -> streams.state().name(),
        () -> AnalysesView.of(config.analysis(), analyses.failures()), config.http().published()).register(http);
    ExecutorService httpThreads = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "alignstream-scorer-http");
      thread.setDaemon(true);
      return thread;
    });
    http.setExecutor(httpThreads);
    MetricFeed feed = new MetricFeed(cluster, instance + "-feed", hub, query);
    feed.start();
    http.start();
    ScorerMeters meters = new ScorerMeters(streams, readiness, instance);
    streams.start();
    LOG.info("scorer {} started: {} partitions, http://{}:{}/", instance, partitions, self.host(), self.port());
    return new ScorerService(streams, http, httpThreads, feed, query, analyses, self, readiness, meters);
  }

  static Properties streamsProperties(ClusterConfig cluster, ScorerConfig config, Replication replication,
      HostInfo self) {
    Properties props = new Properties();
    props.putAll(cluster.kafkaProperties());
    ScorerConfig.Streams streams = config.streams();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, streams.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    if (streams.stateDir() != null) {
      props.put(StreamsConfig.STATE_DIR_CONFIG, streams.stateDir().toString());
    }
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streams.threads());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    // Leave the consumer group on a graceful stop (Kafka Streams defaults to staying), so the
    // partitions move to the other instances, or to this one restarted, at once rather than
    // after the session timeout (45 s).
    props.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
    // Failover time (unless -X says otherwise): a killed instance's partitions move after 6 s
    // rather than Kafka's 45 s, to another instance's warm copy (a standby, where there is one),
    // which takes over without restoring, once the killed instance's open transaction is
    // aborted (Kafka Streams' 10 s transaction timeout, kept: a shorter one fenced a scorer
    // during a broker loss). Trade-offs in docs/operations.md.
    if (!props.containsKey(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)
        && !props.containsKey(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG))) {
      props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
      props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), SESSION_TIMEOUT_MS / 3);
    }
    props.putIfAbsent(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, ACCEPTABLE_RECOVERY_LAG);
    props.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
    // Changelogs and the broadcast topic are replicated as the pipeline topics are (three copies,
    // two in sync, on a cluster of three or more brokers): a broker lost must not lose state.
    props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication.factor());
    props.putIfAbsent(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), replication.minInsync());
    // Dead letters carry the original record, which may be as large as the input topics allow.
    props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), PipelineTopics.MAX_REQUEST_BYTES + 65536);
    return props;
  }

  /** Waits until the streams are RUNNING (restored, queryable); false on timeout or failure. */
  public boolean awaitRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      KafkaStreams.State state = streams.state();
      if (state == KafkaStreams.State.RUNNING) {
        return true;
      }
      if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
          || state == KafkaStreams.State.PENDING_SHUTDOWN) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /**
   * Stops processing while staying in the consumer group (no rebalance, stores kept open), so
   * that input accumulates: {@code bench scorer --producer backlog} measures how fast the scorer
   * works through a backlog from {@link #resume}.
   */
  public void pause() {
    streams.pause();
  }

  /** Processing again after {@link #pause}, from where it stopped. */
  public void resume() {
    streams.resume();
  }

  /** Ready when every partition is assigned and restored; otherwise starting, rebalancing, restoring, ... */
  public ManagementServer.Status status() {
    return readiness.status();
  }

  /** The HTTP port actually bound (useful with port 0). */
  public int httpPort() {
    return self.port();
  }

  /** The address the HTTP port is bound to ({@code --http-host}), whatever is advertised. */
  public InetSocketAddress httpAddress() {
    return http.getAddress();
  }

  public URI baseUri() {
    return URI.create("http://" + self.host() + ":" + self.port() + "/");
  }

  /**
   * Every setting's latest published metric, across all instances of this application.
   *
   * @throws IllegalStateException when the stores are not queryable right now (rebalancing)
   */
  public List<MetricView> metrics() {
    return ask(query::allMetrics);
  }

  /** One setting's latest published metric, wherever it is held. */
  public Optional<MetricView> metric(String setting) {
    return ask(() -> query.metric(setting));
  }

  /** Every setting's latest probe result, across all instances. */
  public List<ProbeView> probes() {
    return ask(query::allProbes);
  }

  /** Every setting's latest regression result, across all instances. */
  public List<RegressionView> regressions() {
    return ask(query::allRegressions);
  }

  /** Probe and regression jobs queued or running in this instance. */
  public int analysesPending() {
    return analyses.pending();
  }

  /** Why the last job of a slot ("probe|setting" or "regression|setting") of this instance failed, per slot. */
  public Map<String, String> analysisFailures() {
    return analyses.failures();
  }

  /** The noise ceiling in force (see {@link CeilingConfig}), once any triplet arrived. */
  public Optional<CeilingView> ceiling() {
    return ask(query::ceiling);
  }

  /** A query, with "not queryable right now" as an IllegalStateException for callers outside the package. */
  private static <T> T ask(Supplier<T> question) {
    try {
      return question.get();
    } catch (MetricsQuery.Unavailable e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  public void stop() {
    close();
  }

  @Override
  public void close() {
    http.stop(0);
    httpThreads.shutdownNow();
    feed.close();
    meters.close();
    streams.close(Duration.ofSeconds(60));
    analyses.close();
    LOG.info("scorer on port {} stopped", self.port());
  }

  /**
   * Binds {@code --http-host} only: a non-loopback advertised host no longer opens the API to
   * every interface by itself, so exposing it is always an explicit choice.
   */
  private static HttpServer bind(ScorerConfig.Http config) {
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(config.host()), config.port());
      HttpServer server = HttpServer.create(address, 64);
      boolean advertisedLoopback = InetAddress.getByName(config.advertisedHost()).isLoopbackAddress();
      if (!advertisedLoopback && address.getAddress().isLoopbackAddress()) {
        LOG.warn("the scorer advertises {} to other instances but its HTTP port listens on {} only: they cannot"
            + " reach it; pass --http-host 0.0.0.0 (or this machine's address) to serve them", config.advertisedHost(),
            config.host());
      }
      LOG.info("scorer HTTP API on {}:{}", config.host(), server.getAddress().getPort());
      return server;
    } catch (IOException e) {
      // A taken port is the user's to change: bad input (exit 2), naming the option.
      throw new IllegalArgumentException("cannot bind the scorer's HTTP port " + config.host() + ":"
          + config.port() + " (--http-port PORT chooses another, 0 any free one): " + e.getMessage(), e);
    }
  }

  private static int partitionsOf(ClusterConfig cluster, String topic) {
    try (Admin admin = Admin.create(cluster.clientProperties("alignstream-scorer-admin"))) {
      TopicDescription description = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
      return description.partitions().size();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing " + topic, e);
    }
  }
}
