package io.alignstream.scorer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.InputLimitOptions;
import io.alignstream.common.ManagementOptions;
import io.alignstream.common.ManagementServer;
import io.alignstream.common.TopicOptions;
import io.alignstream.producer.ConceptList;
import io.alignstream.report.PublishedResults;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.state.Similarity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alignstream score}: runs the scorer until stopped (Ctrl-C or SIGTERM). */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = {"Scores embeddings against human triplets (Kafka Streams, exactly once) and publishes "
        + "cumulative and windowed odd-one-out accuracy, linear-probe and human-dimension regression results; "
        + "serves REST, Server-Sent Events and a live dashboard."})
public final class ScoreCommand implements Callable<Integer> {

  @Mixin
  ClusterOptions cluster;

  @Mixin
  TopicOptions topicSetup;

  @Mixin
  InputLimitOptions limits;

  @Mixin
  ManagementOptions management;

  @Option(names = "--application-id", defaultValue = ScorerConfig.Streams.DEFAULT_APPLICATION_ID,
      description = "Kafka Streams application id; instances with the same id share the work (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(names = "--state-dir", defaultValue = "${sys:java.io.tmpdir}/alignstream-scorer",
      description = "Directory of the state stores (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--http-port", defaultValue = "8080",
      description = "Port of the REST API, event stream and dashboard; 0 = any free port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--http-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address the HTTP port binds: 127.0.0.1 keeps the API on this machine; 0.0.0.0 (or one"
          + " interface's address) serves other machines, which other scorer instances need (default: 127.0.0.1).")
  String httpHost;

  @Option(names = "--advertised-host", defaultValue = "127.0.0.1",
      description = "Host name other scorer instances reach this one's HTTP port at; it does not change what the port"
          + " binds (--http-host) (default: ${DEFAULT-VALUE}).")
  String advertisedHost;

  @Option(names = "--window", defaultValue = "1m", converter = DurationConverter.class,
      description = "Size of the hopping windows of oooa-windowed, e.g. 1m, 30s (default: ${DEFAULT-VALUE}).")
  Duration window;

  @Option(names = "--advance", defaultValue = "10s", converter = DurationConverter.class,
      description = "Advance of the hopping windows (default: ${DEFAULT-VALUE}).")
  Duration advance;

  @Option(names = "--emit-interval-ms", defaultValue = "500",
      description = "A setting's metric is published at most this often, in ms (default: ${DEFAULT-VALUE}).")
  long emitIntervalMs;

  @Option(names = "--similarity", defaultValue = "cosine",
      description = "Similarity of two representations: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Similarity similarity;

  @Option(names = "--num-stream-threads", defaultValue = "1",
      description = "Kafka Streams threads in this instance (default: ${DEFAULT-VALUE}).")
  int streamThreads;

  @Option(names = "--vector-cache-mb", defaultValue = "0",
      description = "Memory for vectors across settings in MiB; 0 = a quarter of the heap (default: ${DEFAULT-VALUE}).")
  long vectorCacheMb;

  @Option(names = "--in-memory-stores", defaultValue = "false",
      description = "Keep state in memory and restore it from the changelogs at every start, instead of RocksDB.")
  boolean inMemoryStores;

  @Option(names = "--concepts", paramLabel = "FILE",
      description = "Concept list (e.g. THINGS things_concepts.tsv): the item of each row of --targets and of each "
          + "index in --ceiling-triplets.")
  Path concepts;

  @Option(names = "--published", paramLabel = "FILE",
      description = "Accuracies other papers published (CSV: model, zero_shot_accuracy, probed_accuracy, their "
          + "intervals, source): the dashboard shows them apart from the measured models, labelled as published.")
  Path published;

  @Mixin
  AnalysisOptions analysis;

  ScorerConfig config() {
    ConceptList conceptList = null;
    if (analysis.needsConcepts()) {
      if (concepts == null) {
        throw new IllegalArgumentException("--targets and --ceiling-triplets need --concepts FILE (the row order)");
      }
      conceptList = ConceptList.read(concepts);
    }
    // New topics: call() creates the missing ones with --partitions / --replication-factor
    // before the scorer starts, so the scorer's own creation never applies these defaults.
    return new ScorerConfig(
        new ScorerConfig.Streams(applicationId, stateDir, streamThreads, inMemoryStores),
        new ScorerConfig.Http(httpHost, httpPort, advertisedHost,
            published == null ? List.of() : PublishedResults.read(published)),
        new ScorerConfig.Windows(window, advance, Duration.ofMillis(emitIntervalMs)),
        ScorerConfig.NewTopics.defaults(),
        new ScorerConfig.Limits(limits.limits().maxVectorDim(), vectorCacheMb * 1024 * 1024),
        similarity, analysis.ceiling(conceptList), analysis.analysis(conceptList));
  }

  @Override
  public Integer call() throws InterruptedException {
    ScorerConfig config = config(); // bad files fail here, before any connection
    ClusterConfig resolved = cluster.resolve();
    topicSetup.ensureTopics(resolved); // --partitions / --replication-factor for topics still missing
    ScorerService scorer = ScorerService.start(resolved, config);
    ManagementServer server = management.start(ManagementOptions.Service.SCORER, applicationId + "@" + scorer.baseUri().getAuthority(),
        scorer::status);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    // SIGTERM / Ctrl-C: the streams commit their open transaction (at most the commit interval of
    // work) and leave the group, within ScorerService's close timeout.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      scorer.close();
      if (server != null) {
        server.close();
      }
      stopped.countDown();
    }, "alignstream-scorer-shutdown"));
    System.err.println("scorer running: dashboard at " + scorer.baseUri() + " (Ctrl-C to stop)");
    if (server != null) {
      System.err.println("scorer " + server.describe());
    }
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      KafkaStreams.State state = scorer.state();
      if (!stopping.get() && (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING)) {
        System.err.println("scorer stopped: streams are " + state);
        return 1;
      }
    }
    return 0;
  }
}
