package io.alignstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.common.TemporaryDirectory;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.local.EmbeddedKafkaBroker;
import io.alignstream.local.EmbeddedSchemaRegistry;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.ceiling.CeilingView;
import io.alignstream.scorer.InProcessScorer;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.ScorerService;
import io.alignstream.scorer.state.Similarity;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code alignstream bench scorer}: how fast the scorer turns embeddings into metrics, for 1854
 * items x 146,168 triplets, at several dimensions and numbers of settings. Triplets arrive
 * first, then the embeddings item by item (every setting of an item together, as extractors
 * produce them). Modes: {@code in-process} (the scoring state alone, no Kafka) and
 * {@code broker} (end to end: embedded broker, the real scorer with exactly_once_v2, RocksDB).
 * Each case also times a straightforward batch computation over the same data and checks that
 * the counts agree. What is measured is a warm scorer: each case is preceded by a warm-up on its
 * shape (in process; in broker mode also through the broker, see {@link #warmUp}). Broker mode
 * produces the measured embeddings either live, beside the scorer (does it keep up with
 * extractors on its cores), or as a backlog it starts on when resumed (its own capacity; see
 * {@link #broker}). One JSON line per case, mode and producer on stdout.
 */
@Command(name = "scorer", mixinStandardHelpOptions = true,
    description = "Benchmark the scorer: embeddings/s, triplet evaluations/s, latency to the final metric.")
public final class ScorerBenchCommand implements Callable<Integer> {

  @Mixin
  BenchDataOptions benchData;

  @Option(names = "--cases", defaultValue = "42x1,42x100,1280x1,1280x100", split = ",",
      description = "Cases as DIMxSETTINGS (default: ${DEFAULT-VALUE}).")
  List<String> cases;

  @Option(names = "--modes", defaultValue = "in-process,broker", split = ",",
      description = "in-process and/or broker (default: ${DEFAULT-VALUE}).")
  List<String> modes;

  @Option(names = "--partitions", defaultValue = "4", description = "Partitions in broker mode (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--emit-interval-ms", defaultValue = "500",
      description = "The scorer's emit interval in broker mode (default: ${DEFAULT-VALUE}).")
  long emitIntervalMs;

  @Option(names = "--commit-interval-ms", description = "Kafka Streams commit interval in broker mode (default: Streams' 100 ms under exactly once).")
  Long commitIntervalMs;

  @Option(names = "--stream-threads", defaultValue = "1",
      description = "Kafka Streams threads of the scorer in broker mode (default: ${DEFAULT-VALUE}).")
  int streamThreads;

  @Option(names = "--in-memory-stores", defaultValue = "false",
      description = "The scorer's state in memory instead of RocksDB in broker mode (as score --in-memory-stores).")
  boolean inMemoryStores;

  @Option(names = "-X", paramLabel = "KEY=VALUE", description = "Kafka Streams / client property for the scorer in broker mode.")
  Map<String, String> streamsProperties = new LinkedHashMap<>();

  @Option(names = "--producer", defaultValue = "live", split = ",",
      description = "Broker mode, each a case of its own: live (the measured embeddings are produced while the scorer "
          + "scores them: does it keep up with extractors beside it) and/or backlog (produced while the scorer is "
          + "paused, timed from its resume: one scorer instance's capacity on this broker, as a restarted scorer "
          + "catching up sees it) (default: ${DEFAULT-VALUE}).")
  List<String> producers;

  @Option(names = "--warm-up-embeddings", defaultValue = "50000",
      description = "Broker mode: embeddings of settings of their own sent through the scorer and awaited before the "
          + "measured phase, so that it measures compiled code (default: ${DEFAULT-VALUE}; 0: none).")
  long warmUpEmbeddings;

  /** The model id of the broker mode's warm-up settings (see {@link #warmUp}). */
  private static final String WARM_UP_MODEL = "bench-warm-up";

  /** The measured scorer's application id: its changelogs are {@code scorer-bench-<store>-changelog}. */
  private static final String APPLICATION = "scorer-bench";

  /** The broker mode's warm-up scorer: an application id and topics of its own (see {@link #warmUp}). */
  private static final String WARM_UP_APPLICATION = "bench-warm-up-scorer";
  private static final String WARM_UP_TOPICS = "bench-warm-up.";

  /** Settings of the in-process warm-up before each case: 3 x 1854 items pass the pending limit (see {@link #call}). */
  private static final int WARM_UP_SETTINGS = 3;

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    for (String producer : producers) {
      if (!List.of("live", "backlog").contains(producer)) {
        throw new IllegalArgumentException("--producer '" + producer + "' is not live or backlog");
      }
    }
    BenchData data = benchData.load();
    System.err.printf("scorer bench: %d items, %d triplets (%s)%n", data.items.size(), data.triplets(), data.source);
    for (String spec : cases) {
      String[] parts = spec.trim().toLowerCase().split("x");
      int dim = Integer.parseInt(parts[0]);
      int settings = Integer.parseInt(parts[1]);
      // Warm-up in every mode, on the case's dimension and enough settings that the pending items
      // reach ScoringState.PENDING_LIMIT: the JIT compiles the scoring paths for the shape it then
      // measures. Trained on another shape (it once was d = 42 and one setting), branches the
      // warm-up never took are taken when the measured phase starts, and the compiled scoring
      // loop is thrown away (deoptimised: unstable_if) and compiled again inside it.
      inProcess(data, dim, WARM_UP_SETTINGS, data.batchCorrect(WARM_UP_SETTINGS, dim, true));
      long start = System.nanoTime();
      long[] batch = data.batchCorrect(settings, dim, true);
      double batchSeconds = seconds(System.nanoTime() - start);
      // The batch computation in float: how fast it is and how many triplets its rounding flips,
      // a comparison for the in-process scorer (a minute of a broker-only run at 1280 x 100, skipped there).
      Double batchFloatSeconds = null;
      Long floatDifference = null;
      if (modes.stream().anyMatch(mode -> mode.trim().equals("in-process"))) {
        start = System.nanoTime();
        long[] batchFloat = data.batchCorrect(settings, dim, false);
        batchFloatSeconds = Thousandths.round(seconds(System.nanoTime() - start));
        floatDifference = 0L;
        for (int s = 0; s < settings; s++) {
          floatDifference += Math.abs(batchFloat[s] - batch[s]);
        }
      }
      for (String mode : modes) {
        List<Map<String, Object>> results = new ArrayList<>();
        switch (mode.trim()) {
          case "in-process" -> results.add(inProcess(data, dim, settings, batch));
          case "broker" -> {
            // generated once for the case's producer modes (950 MB and 3-5 s at 1280 x 100)
            long tableStart = System.nanoTime();
            BenchData.Vectors vectors = data.vectorTable(settings, dim);
            double tableSeconds = seconds(System.nanoTime() - tableStart);
            for (String producer : producers) {
              Map<String, Object> result = broker(data, vectors, dim, settings, batch, producer.equals("backlog"));
              result.put("vector_table_s", Thousandths.round(tableSeconds));
              results.add(result);
            }
          }
          default -> throw new IllegalArgumentException("mode '" + mode + "' is not in-process or broker");
        }
        for (Map<String, Object> result : results) {
          result.put("batch_reference_s", Thousandths.round(batchSeconds));
          if (batchFloatSeconds != null) {
            result.put("batch_reference_float_s", batchFloatSeconds);
            result.put("float_batch_count_difference", floatDifference);
          }
          System.out.println(json.writeValueAsString(result));
          System.out.flush();
        }
      }
    }
    return 0;
  }

  private Map<String, Object> inProcess(BenchData data, int dim, int settings, long[] batch) {
    InProcessScorer scorer = new InProcessScorer(Similarity.COSINE);
    long start = System.nanoTime();
    for (int t = 0; t < data.triplets(); t++) {
      scorer.putTriplet("t" + t, new String[] {data.items.get(data.a[t]), data.items.get(data.b[t]),
          data.items.get(data.c[t])}, 2);
    }
    double tripletSeconds = seconds(System.nanoTime() - start);
    List<Integer> order = data.itemOrder();
    Setting[] keys = new Setting[settings];
    for (int s = 0; s < settings; s++) {
      keys[s] = BenchData.setting(s);
    }
    long maxLatency = 0;
    long embeddings = 0;
    long evaluationsBefore = scorer.evaluations();
    long elapsed = 0;
    long cpu = 0;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    float[][] vectors = new float[settings][];
    for (int i = 0; i < order.size(); i++) {
      int item = order.get(i);
      boolean last = i == order.size() - 1;
      for (int s = 0; s < settings; s++) {
        vectors[s] = data.vector(s, item, dim); // generated outside the timed part
      }
      long cpu0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      for (int s = 0; s < settings; s++) {
        long put = System.nanoTime();
        scorer.putEmbedding(keys[s], data.items.get(item), vectors[s]);
        if (last) {
          scorer.metric(SettingKey.of(keys[s]));
          maxLatency = Math.max(maxLatency, System.nanoTime() - put);
        }
        embeddings++;
      }
      elapsed += System.nanoTime() - t0;
      cpu += threads.getCurrentThreadCpuTime() - cpu0;
    }
    double seconds = seconds(elapsed);
    long evaluations = scorer.evaluations() - evaluationsBefore;
    boolean matches = true;
    for (int s = 0; s < settings; s++) {
      AlignmentMetric metric = scorer.metric(SettingKey.of(keys[s]));
      matches &= metric.getCorrect() == batch[s] && metric.getTotal() == data.triplets();
    }
    Map<String, Object> result = header("in-process", dim, settings, data);
    result.put("embeddings", embeddings);
    result.put("embeddings_per_s", Thousandths.round(embeddings / seconds));
    result.put("triplet_evals", evaluations);
    result.put("triplet_evals_per_s", Thousandths.round(evaluations / seconds));
    result.put("final_latency_ms", Thousandths.round(maxLatency / 1e6));
    // the scoring thread's CPU time: unlike embeddings/s, it holds when other processes share the cores
    result.put("cpu_us_per_embedding", Thousandths.round(cpu / 1e3 / embeddings));
    result.put("triplet_ingest_s", Thousandths.round(tripletSeconds));
    result.put("matches_batch", matches);
    return result;
  }

  /**
   * One broker case. Live: every item but the last is produced while the scorer runs, timed
   * from the first send. Backlog: they are produced while the scorer is paused (after the
   * warm-up), timed from its resume, so that the bench's producer works outside the measured
   * phase. Either way until every setting published the partial total, then the last item's
   * latency. {@code vectors}: the case's vectors, generated before (for the warm-up too).
   */
  private Map<String, Object> broker(BenchData data, BenchData.Vectors vectors, int dim, int settings, long[] batch,
      boolean backlog) throws Exception {
    Path stateDir = Files.createTempDirectory("scorer-bench");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(null, 0);
        EmbeddedSchemaRegistry schemas = EmbeddedSchemaRegistry.start(
            EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers()).withPort(0))) {
      String registry = schemas.url();
      Map<String, String> streamsOverrides = new LinkedHashMap<>(streamsProperties);
      if (commitIntervalMs != null) {
        streamsOverrides.put("commit.interval.ms", String.valueOf(commitIntervalMs));
      }
      ClusterConfig cluster = new ClusterConfig(broker.bootstrapServers(), registry, new Topics("bench."), streamsOverrides);
      AvroSerde<TripletJudgment> tripletSerde = AvroSerde.configured(TripletJudgment.class, cluster.serdeProperties(), false);
      AvroSerde<LayerEmbedding> embeddingSerde = AvroSerde.configured(LayerEmbedding.class, cluster.serdeProperties(), false);
      AvroSerde<AlignmentMetric> metricSerde = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
      Topics topics = cluster.topics();
      List<Integer> order = data.itemOrder();
      try (KafkaProducer<String, byte[]> producer = producer(cluster);
          KafkaConsumer<String, byte[]> metrics = metricsConsumer(cluster)) {
        // The warm-up: a scorer of its own, on topics of its own, closed before the measured one
        // starts (see warmUp); the compiled code stays in this JVM.
        long warmUpStart = System.nanoTime();
        CpuTime warmUpCpuStart = CpuTime.now();
        long warmUpSent = 0;
        if (warmUpEmbeddings > 0) {
          ClusterConfig warmUpCluster = new ClusterConfig(broker.bootstrapServers(), registry,
              new Topics(WARM_UP_TOPICS), streamsOverrides);
          try (ScorerService warmUpScorer = startScorer(warmUpCluster, stateDir.resolve("warm-up"), WARM_UP_APPLICATION)) {
            sendTriplets(producer, tripletSerde, warmUpCluster.topics(), data);
            producer.flush();
            awaitTriplets(warmUpScorer, data.triplets());
            assignAtEnd(metrics, warmUpCluster.topics().oooa());
            warmUpSent = warmUp(producer, embeddingSerde, metrics, metricSerde, warmUpCluster.topics(), data, vectors,
                order, settings);
          }
        }
        double warmUpSeconds = seconds(System.nanoTime() - warmUpStart);
        CpuTime warmUpCpu = CpuTime.now().minus(warmUpCpuStart);

        long tripletStart = System.nanoTime();
        try (ScorerService scorer = startScorer(cluster, stateDir.resolve("measured"), APPLICATION)) {
          sendTriplets(producer, tripletSerde, topics, data);
          producer.flush();
          awaitTriplets(scorer, data.triplets());
          double tripletSeconds = seconds(System.nanoTime() - tripletStart);

          assignAtEnd(metrics, topics.oooa());
          int lastItem = order.get(order.size() - 1);
          boolean[] allButLast = new boolean[data.items.size()];
          Arrays.fill(allButLast, true);
          allButLast[lastItem] = false;
          long partialTotal = data.tripletsAmong(allButLast);
          Map<String, Integer> indexOf = BenchData.settingIndexes(settings);
          // Throughput: every item but the last, until every setting published the partial total.
          if (backlog) {
            scorer.pause();
          }
          long embeddingStart = System.nanoTime();
          CpuTime cpuStart = CpuTime.now();
          AtomicLongArray acked = new AtomicLongArray(settings);
          for (int i = 0; i < order.size() - 1; i++) {
            sendItem(producer, embeddingSerde, topics, data, vectors, order.get(i), settings, acked);
          }
          producer.flush();
          Double backlogSeconds = null;
          if (backlog) {
            backlogSeconds = Thousandths.round(seconds(System.nanoTime() - embeddingStart));
            embeddingStart = System.nanoTime();
            cpuStart = CpuTime.now();
            scorer.resume();
          }
          awaitTotals(metrics, metricSerde, indexOf, partialTotal, null);
          double seconds = seconds(System.nanoTime() - embeddingStart);
          CpuTime cpu = CpuTime.now().minus(cpuStart);
          // Latency: the last item of every setting, from its acknowledgement to the final metric.
          sendItem(producer, embeddingSerde, topics, data, vectors, lastItem, settings, acked);
          producer.flush();
          long[] finalAt = new long[settings];
          long[] correct = awaitTotals(metrics, metricSerde, indexOf, data.triplets(), finalAt);
          long maxLatency = 0;
          boolean matches = true;
          for (int s = 0; s < settings; s++) {
            maxLatency = Math.max(maxLatency, finalAt[s] - acked.get(s));
            matches &= correct[s] == batch[s];
          }
          long embeddings = (long) settings * (order.size() - 1);
          long evaluations = settings * partialTotal;
          Map<String, Object> result = header("broker", dim, settings, data);
          if (backlog) { // a case of its own: not comparable with a live one
            result.put("case", "broker backlog d=" + dim + " settings=" + settings);
          }
          result.put("producer", backlog ? "backlog" : "live");
          result.put("partitions", partitions);
          result.put("embeddings", embeddings);
          result.put("embeddings_per_s", Thousandths.round(embeddings / seconds));
          result.put("triplet_evals", evaluations);
          result.put("triplet_evals_per_s", Thousandths.round(evaluations / seconds));
          result.put("final_latency_ms", Thousandths.round(maxLatency / 1e6));
          result.put("emit_interval_ms", emitIntervalMs);
          result.put("commit_interval_ms", commitIntervalMs == null ? 100 : commitIntervalMs);
          result.put("stream_threads", streamThreads);
          result.put("state", inMemoryStores ? "in-memory" : "rocksdb");
          // CPU time per embedding holds on a loaded machine, where embeddings/s does not.
          result.put("scorer_cpu_us_per_embedding", Thousandths.round(cpu.streamThreadNanos() / 1e3 / embeddings));
          result.put("process_cpu_us_per_embedding", Thousandths.round(cpu.processNanos() / 1e3 / embeddings));
          result.put("cpu_us_per_embedding_by_thread", cpu.perEmbedding(embeddings));
          storedBytes(cluster, topics, (long) settings * order.size()).forEach(result::put);
          result.put("triplet_ingest_s", Thousandths.round(tripletSeconds));
          if (backlog) {
            result.put("backlog_produce_s", backlogSeconds);
          }
          result.put("warm_up_embeddings", warmUpSent);
          result.put("warm_up_s", Thousandths.round(warmUpSeconds));
          result.put("warm_up_jit_cpu_s", Thousandths.round(warmUpCpu.byThreadGroup().getOrDefault("jit", 0L) / 1e9));
          result.put("jit_cpu_s", Thousandths.round(cpu.byThreadGroup().getOrDefault("jit", 0L) / 1e9));
          result.put("matches_batch", matches);
          return result;
        }
      }
    } finally {
      TemporaryDirectory.deleteTree(stateDir);
    }
  }

  /** A scorer for the broker mode, running (restored, assigned) when this returns. */
  private ScorerService startScorer(ClusterConfig cluster, Path stateDir, String applicationId) {
    ScorerConfig config = ScorerConfig.defaults(stateDir)
        .withStreams(s -> s.withApplicationId(applicationId).withThreads(streamThreads).withInMemoryStores(inMemoryStores))
        .withHttp(h -> h.withPort(0))
        .withTopics(t -> t.withPartitions(partitions))
        .withWindows(w -> w.withEmitInterval(Duration.ofMillis(emitIntervalMs)));
    ScorerService scorer = ScorerService.start(cluster, config);
    if (!scorer.awaitRunning(Duration.ofSeconds(120))) {
      scorer.close();
      throw new IllegalStateException("scorer " + applicationId + " did not start: " + scorer.state());
    }
    return scorer;
  }

  /**
   * Sends the first items of {@code order} in {@code settings} settings of their own (model
   * {@value #WARM_UP_MODEL}, the measured dimension) and waits until their metrics count every
   * triplet among those items; returns the embeddings sent. The broker path (the bench's
   * producer and Avro encoding, the broker's appends, Kafka Streams, the scorer's decoding and
   * state stores) runs for the first time after the triplets here, and one JVM holds all of it:
   * without this, the JIT compiles thousands of its methods during the measured phase, on the
   * cores the scorer is measured on. The warm-up runs in a scorer of its own (application
   * {@value #WARM_UP_APPLICATION}, topics {@value #WARM_UP_TOPICS}*), closed before the measured
   * one starts: the measured scorer starts with empty stores, as without a warm-up, and does not
   * spend the measured phase flushing and compacting the warm-up's vectors in RocksDB (RocksDB's
   * threads 18.5 against 7.4 us per embedding at 1280 x 30, backlog, the same run). The measured settings
   * start empty either way, so their counts are still those of the batch computation.
   */
  private long warmUp(KafkaProducer<String, byte[]> producer, AvroSerde<LayerEmbedding> embeddingSerde,
      KafkaConsumer<String, byte[]> metrics, AvroSerde<AlignmentMetric> metricSerde, Topics topics, BenchData data,
      BenchData.Vectors vectors, List<Integer> order, int settings) {
    int items = (int) Math.min(order.size() - 1, (warmUpEmbeddings + settings - 1) / settings);
    if (items <= 0) {
      return 0;
    }
    Map<String, Integer> indexOf = new LinkedHashMap<>();
    Setting[] keys = new Setting[settings];
    for (int s = 0; s < settings; s++) {
      keys[s] = Setting.newBuilder(BenchData.setting(s)).setModelId(WARM_UP_MODEL).build();
      indexOf.put(SettingKey.of(keys[s]), s);
    }
    boolean[] present = new boolean[data.items.size()];
    for (int i = 0; i < items; i++) {
      int item = order.get(i);
      present[item] = true;
      for (int s = 0; s < settings; s++) {
        send(producer, embeddingSerde, topics, keys[s], data.items.get(item), vectors.of(s, item), null);
      }
    }
    producer.flush();
    long total = data.tripletsAmong(present);
    if (total > 0) { // a setting without a complete triplet publishes no metric to wait for
      awaitTotals(metrics, metricSerde, indexOf, total, null);
    }
    return (long) items * settings;
  }

  /**
   * What the embeddings cost on the broker's disk, per embedding: the input topic, the vector
   * store's changelog (what a restore reads back) and every changelog of the scorer together.
   * Log sizes, so record and batch overheads count.
   */
  private static Map<String, Object> storedBytes(ClusterConfig cluster, Topics topics, long embeddings)
      throws Exception {
    Map<String, Long> bytesByTopic = new LinkedHashMap<>();
    try (Admin admin = Admin.create(cluster.clientProperties("scorer-bench-admin"))) {
      Collection<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
      for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
        for (LogDirDescription dir : dirs.values()) {
          dir.replicaInfos().forEach((partition, replica) ->
              bytesByTopic.merge(partition.topic(), replica.size(), Long::sum));
        }
      }
    }
    long changelogs = 0;
    for (Map.Entry<String, Long> topic : bytesByTopic.entrySet()) {
      if (topic.getKey().startsWith(APPLICATION + "-") && topic.getKey().endsWith("-changelog")) {
        changelogs += topic.getValue();
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("input_bytes_per_embedding", Thousandths.round((double) bytesByTopic.getOrDefault(topics.embeddings(), 0L) / embeddings));
    result.put("vector_changelog_bytes_per_embedding",
        Thousandths.round((double) bytesByTopic.getOrDefault(APPLICATION + "-vectors-changelog", 0L) / embeddings));
    result.put("changelog_bytes_per_embedding", Thousandths.round((double) changelogs / embeddings));
    // what the scorer publishes (metrics every emit tick per changed setting, six windows each)
    result.put("oooa_bytes_per_embedding", Thousandths.round((double) bytesByTopic.getOrDefault(topics.oooa(), 0L) / embeddings));
    result.put("windowed_bytes_per_embedding",
        Thousandths.round((double) bytesByTopic.getOrDefault(topics.oooaWindowed(), 0L) / embeddings));
    return result;
  }

  /**
   * CPU time of the scorer's stream threads, of the whole bench process (broker, producer,
   * scorer) and of each group of threads, as nanoseconds so far. A thread that ends during the
   * run (a stream thread replaced) loses its share.
   */
  private record CpuTime(long streamThreadNanos, long processNanos, Map<String, Long> byThreadGroup) {
    static CpuTime now() {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long stream = 0;
      Map<String, Long> groups = new LinkedHashMap<>();
      for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (thread == null) {
          continue;
        }
        long nanos = Math.max(0, threads.getThreadCpuTime(thread.getThreadId()));
        if (thread.getThreadName().contains("-StreamThread-")) {
          stream += nanos;
        }
        groups.merge(threadGroup(thread.getThreadName()), nanos, Long::sum);
      }
      NativeThreads.cpuNanos().forEach((group, nanos) -> groups.merge(group, nanos, Long::sum));
      long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      return new CpuTime(stream, process, groups);
    }

    CpuTime minus(CpuTime earlier) {
      Map<String, Long> groups = new LinkedHashMap<>();
      byThreadGroup.forEach((group, nanos) -> groups.put(group, nanos - earlier.byThreadGroup.getOrDefault(group, 0L)));
      return new CpuTime(streamThreadNanos - earlier.streamThreadNanos, processNanos - earlier.processNanos, groups);
    }

    /**
     * Microseconds per embedding by thread group, largest first, the groups under 1 us left out;
     * the JVM's and RocksDB's own threads (GC, JIT, rocksdb) as {@link NativeThreads} reads them,
     * and "other" for what no thread accounts for (threads that ended during the run).
     */
    Map<String, Object> perEmbedding(long embeddings) {
      Map<String, Object> shares = new LinkedHashMap<>();
      byThreadGroup.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .filter(e -> e.getValue() >= 1_000L * embeddings)
          .forEach(e -> shares.put(e.getKey(), Thousandths.round(e.getValue() / 1e3 / embeddings)));
      long threads = byThreadGroup.values().stream().mapToLong(Long::longValue).sum();
      shares.put("other", Thousandths.round((processNanos - threads) / 1e3 / embeddings));
      return shares;
    }

    /** A thread's name with its numbers and client ids blanked, so that pools add up as one group. */
    private static String threadGroup(String name) {
      return name.replaceAll("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "ID").replaceAll("[0-9]+", "N");
    }
  }

  /** Every triplet of the bench data as a judgment ({@code t<index>}, the third item the odd one). */
  static void sendTriplets(KafkaProducer<String, byte[]> producer, AvroSerde<TripletJudgment> serde, Topics topics,
      BenchData data) {
    for (int t = 0; t < data.triplets(); t++) {
      TripletJudgment judgment = TripletJudgment.newBuilder().setTripletId("t" + t).setDataset("bench")
          .setItems(List.of(data.items.get(data.a[t]), data.items.get(data.b[t]), data.items.get(data.c[t])))
          .setOddOneOut(2).build();
      producer.send(new ProducerRecord<>(topics.triplets(), "t" + t, serde.serialize(topics.triplets(), judgment)));
    }
  }

  /**
   * One item's embedding in each of the first {@code settings} settings; with {@code acked}, the
   * time each setting's record was acknowledged is set there.
   */
  static void sendItem(KafkaProducer<String, byte[]> producer, AvroSerde<LayerEmbedding> serde, Topics topics,
      BenchData data, BenchData.Vectors vectors, int item, int settings, AtomicLongArray acked) {
    for (int s = 0; s < settings; s++) {
      int index = s;
      send(producer, serde, topics, BenchData.setting(s), data.items.get(item), vectors.of(s, item),
          acked == null ? null : (meta, error) -> acked.set(index, System.nanoTime()));
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, AvroSerde<LayerEmbedding> serde, Topics topics,
      Setting setting, String item, float[] vector, Callback callback) {
    producer.send(new ProducerRecord<>(topics.embeddings(), SettingKey.of(setting),
        serde.serialize(topics.embeddings(), embedding(setting, item, vector))), callback);
  }

  /**
   * Reads published metrics until every setting's total reached {@code total}; returns their
   * correct counts and, when {@code reachedAt} is given, the time each got there.
   */
  static long[] awaitTotals(KafkaConsumer<String, byte[]> metrics, AvroSerde<AlignmentMetric> serde,
      Map<String, Integer> indexOf, long total, long[] reachedAt) {
    long[] correct = new long[indexOf.size()];
    boolean[] reached = new boolean[indexOf.size()];
    int done = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
    while (done < reached.length) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + done + " of " + reached.length + " settings reached total " + total);
      }
      for (ConsumerRecord<String, byte[]> record : metrics.poll(Duration.ofMillis(50))) {
        Integer s = indexOf.get(record.key());
        AlignmentMetric metric = serde.deserialize(record.topic(), record.value());
        if (s != null && !reached[s] && metric.getTotal() == total) {
          reached[s] = true;
          correct[s] = metric.getCorrect();
          if (reachedAt != null) {
            reachedAt[s] = System.nanoTime();
          }
          done++;
        }
      }
    }
    return correct;
  }

  /** Waits until the scorer's triplet summary counts every triplet. */
  private static void awaitTriplets(ScorerService scorer, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Optional<CeilingView> ceiling = scorer.ceiling();
        if (ceiling.isPresent() && ceiling.get().triplets() == expected) {
          return;
        }
      } catch (IllegalStateException e) {
        // rebalancing: ask again
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the scorer did not take in " + expected + " triplets");
  }

  private static LayerEmbedding embedding(Setting setting, String item, float[] vector) {
    List<Float> values = new ArrayList<>(vector.length);
    for (float f : vector) {
      values.add(f);
    }
    return LayerEmbedding.newBuilder().setSetting(setting).setItemId(item).setImageId(item).setVector(values)
        .setDim(vector.length).setPooling("none").setConfigDigest("bench").setWeightsDigest("bench")
        .setSource("bench").setComputedAt(Instant.now()).build();
  }

  static KafkaProducer<String, byte[]> producer(ClusterConfig cluster) {
    Map<String, Object> props = cluster.producerProperties("scorer-bench-producer");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  static KafkaConsumer<String, byte[]> metricsConsumer(ClusterConfig cluster) {
    Map<String, Object> props = cluster.consumerProperties("scorer-bench-metrics", "unused");
    props.remove("group.id");
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  static void assignAtEnd(KafkaConsumer<String, byte[]> consumer, String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
  }

  private static Map<String, Object> header(String mode, int dim, int settings, BenchData data) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("case", mode + " d=" + dim + " settings=" + settings);
    result.put("mode", mode);
    result.put("dim", dim);
    result.put("settings", settings);
    result.put("items", data.items.size());
    result.put("triplets", data.triplets());
    result.put("triplet_source", data.source);
    // A shared machine's load says how much of the CPU the case had.
    result.put("load_avg_1m", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return result;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

}
