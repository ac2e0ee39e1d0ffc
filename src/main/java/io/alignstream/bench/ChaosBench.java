package io.alignstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.Alignstream;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.SettingKey;
import io.alignstream.common.TemporaryDirectory;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.local.ServiceProcess;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code alignstream bench chaos}: the whole pipeline as separate JVMs (the embedded cluster of
 * {@code local --data-dir}, N extractors per model, one or more scorers), SIGKILLed on a seeded
 * schedule while they work and restarted in place, as a supervisor would; then, with
 * read_committed consumers, every expected embedding must be there exactly once, nothing
 * dead-lettered, and every setting's final counts equal to a batch computation over the same
 * vectors. Kills are triggered by progress (the fraction of requests committed), so a schedule
 * means the same on a fast and a slow machine.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Kills pipeline processes (SIGKILL) while they work, restarts them, and checks that nothing was "
        + "lost or duplicated and that the final metrics equal a batch computation. Prints one JSON line; exit 1 "
        + "when a check fails.",
        "Example: alignstream bench chaos --extractor-kills 3 --scorer-kills 2 --broker-kills 1",
        "With --brokers 3 a broker kill is one broker of the three (local --brokers 3 restarts it); with one, the"
            + " whole cluster process (broker and registry), restarted by the bench."})
public final class ChaosBench implements Callable<Integer> {

  private static final Pattern LOCAL_READY = Pattern.compile("Stop with Ctrl-C");
  private static final Pattern BOOTSTRAP = Pattern.compile("Kafka bootstrap servers +(\\S+)");
  /** What local prints of a broker's process: at start, and when it restarted one that exited. */
  private static final Pattern BROKER_PID =
      Pattern.compile("broker (\\d+) (?:on \\S+, pid|\\(pid \\d+\\) exited; restarted it as pid) (\\d+)");
  private static final String SCORER_APP = "chaos-scorer";

  @Option(names = "--models", split = ",", defaultValue = "tiny", paramLabel = "MODEL",
      description = "Models to extract, each with its own extractors (default: ${DEFAULT-VALUE}; pixels, tiny).")
  List<String> models;

  @Option(names = "--extractors", defaultValue = "3", paramLabel = "N",
      description = "Extractor processes per model (default: ${DEFAULT-VALUE}).")
  int extractorsPerModel;

  @Option(names = "--scorers", defaultValue = "1", paramLabel = "N",
      description = "Scorer processes (default: ${DEFAULT-VALUE}).")
  int scorerCount;

  @Option(names = "--images", defaultValue = "0", paramLabel = "N",
      description = "Images of the synthetic set to request; 0 = all 108 (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--noise-levels", defaultValue = "0.1,0.5", paramLabel = "S,...",
      description = "Noise levels of each request (default: ${DEFAULT-VALUE}).")
  String noiseLevels;

  @Option(names = "--conditionings", defaultValue = "none,text", paramLabel = "none|text,...",
      description = "Conditionings of each request (default: ${DEFAULT-VALUE}).")
  String conditionings;

  @Option(names = "--extractor-kills", defaultValue = "3", paramLabel = "N",
      description = "Extractor SIGKILLs (default: ${DEFAULT-VALUE}).")
  int extractorKills;

  @Option(names = "--scorer-kills", defaultValue = "2", paramLabel = "N",
      description = "Scorer SIGKILLs (default: ${DEFAULT-VALUE}).")
  int scorerKills;

  @Option(names = "--broker-kills", defaultValue = "1", paramLabel = "N",
      description = "Broker SIGKILLs: one broker of --brokers 3, or the cluster process (broker and registry) of one"
          + " (default: ${DEFAULT-VALUE}).")
  int brokerKills;

  @Option(names = "--brokers", defaultValue = "1", paramLabel = "N",
      description = "Kafka brokers (local --brokers N: 1, or 3 or more with 3 replicas, 2 in sync) (default:"
          + " ${DEFAULT-VALUE}).")
  int brokers;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of the kill schedule: when (progress fraction) and whom (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--partitions", defaultValue = "6", paramLabel = "N",
      description = "Partitions of the pipeline topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--images-per-transaction", defaultValue = "4", paramLabel = "N",
      description = "Extractor batch size (default: ${DEFAULT-VALUE}).")
  int imagesPerTransaction;

  @Option(names = "--session-timeout-ms", paramLabel = "MS",
      description = "Session timeout of extractors and scorers (default: each service's own, 10 s for extractors, 6 s"
          + " for scorers; 45000 = Kafka's default).")
  Integer sessionTimeoutMs;

  @Option(names = "--static-membership", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Extractors (and scorers) join as static members (default: on).")
  boolean staticMembership;

  @Option(names = "-X", paramLabel = "KEY=VALUE",
      description = "Kafka client property for every service but the cluster (e.g. -X max.block.ms=20000), to compare"
          + " timeouts.")
  Map<String, String> clientProperties = new LinkedHashMap<>();

  @Option(names = "--max-query-gap-s", defaultValue = "0", paramLabel = "S",
      description = "Fail the run when some setting goes unanswered by every scorer instance for longer than this;"
          + " 0 = report only (default: ${DEFAULT-VALUE}).")
  double maxQueryGapS;

  @Option(names = "--timeout-s", defaultValue = "1200", paramLabel = "S",
      description = "Give up (and report what is missing) after this long (default: ${DEFAULT-VALUE}).")
  int timeoutS;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the cluster data, scorer state and process logs go (default: a temporary directory, deleted).")
  Path workDir;

  /** One planned SIGKILL: of which kind, when (fraction of requests committed), and of whom. */
  private record PlannedKill(String kind, double atProgress, int victim) {}

  /**
   * A kill done, with the committed offsets and ends of the partitions it affects at that
   * moment, and when each of them committed more afterwards.
   */
  private static final class Kill {
    final PlannedKill plan;
    final String process;
    final long atNanos;
    final Map<GroupPartition, Long> committedAt;
    final Map<GroupPartition, Long> endAt;
    final Map<GroupPartition, Double> resumedAfter = new HashMap<>();
    /** Every group's committed offsets as last seen (from the snapshot before the kill on). */
    private final Map<GroupPartition, Long> lastSeen;
    /** Per group: when its committed offsets were last seen moving (from the kill on). */
    private final Map<String, Long> lastCommitSeen = new HashMap<>();
    /**
     * Per group: the longest time its committed offsets stood still, from the kill (or its
     * previous commit after it) to a commit seen, until the next kill: the stall a kill caused,
     * also when some transaction already under way at the kill committed just after it.
     */
    final Map<String, Double> longestCommitGap = new TreeMap<>();
    /** When the next kill happened: what is seen after it is that kill's. */
    volatile long untilNanos = Long.MAX_VALUE;
    double longestQueryGapSeconds;
    /** For a broker of several: whether it was the active controller too; null otherwise or when not known. */
    Boolean activeController;
    /** For a broker of several: the groups and transactional ids it coordinated; null otherwise or when not known. */
    List<String> coordinatorOf;

    Kill(PlannedKill plan, String process, long atNanos, Snapshot now, Set<GroupPartition> affected) {
      this.plan = plan;
      this.process = process;
      this.atNanos = atNanos;
      this.committedAt = new HashMap<>();
      this.endAt = new HashMap<>();
      this.lastSeen = new HashMap<>(now.committed());
      for (GroupPartition gp : affected) {
        committedAt.put(gp, now.committed().getOrDefault(gp, 0L));
        endAt.put(gp, now.endOf(gp));
      }
    }

    /**
     * Notes the partitions whose committed offsets moved past those at the kill, and each
     * group's waits between commits, in {@code committed} (one group's offsets) as read by a
     * request sent at {@code askedNanos}: an answer to a request sent before the kill says
     * nothing about the time after it, and a wait that ends after the next kill is that kill's.
     */
    synchronized void observe(String group, Map<GroupPartition, Long> committed, long askedNanos) {
      long now = System.nanoTime();
      if (askedNanos < atNanos) {
        return;
      }
      double since = (now - atNanos) / 1e9;
      committedAt.forEach((gp, at) -> {
        Long offset = committed.get(gp);
        if (offset != null && offset > at) {
          resumedAfter.putIfAbsent(gp, since);
        }
      });
      boolean moved = false;
      for (var entry : committed.entrySet()) {
        Long before = lastSeen.put(entry.getKey(), entry.getValue());
        moved |= before == null ? entry.getValue() > 0 : entry.getValue() > before;
      }
      if (moved && now <= untilNanos) {
        long previous = lastCommitSeen.getOrDefault(group, atNanos);
        longestCommitGap.merge(group, (now - previous) / 1e9, Math::max);
        lastCommitSeen.put(group, now);
      }
    }

    /** The affected partitions that had work: waiting at the kill, or arriving after it (by the end). */
    Set<GroupPartition> withWork(Snapshot last) {
      Set<GroupPartition> with = new HashSet<>();
      committedAt.forEach((gp, at) -> {
        if (endAt.get(gp) > at || last != null && last.endOf(gp) > endAt.get(gp)) {
          with.add(gp);
        }
      });
      return with;
    }
  }

  private final List<ServiceProcess> extractors = new ArrayList<>();
  /** The querier's summary of the run (see {@link ScorerQuerier}). */
  private Map<String, Object> queries = Map.of();
  private final List<ServiceProcess> scorers = new ArrayList<>();
  private ServiceProcess local;
  private ClusterConfig cluster;

  @Override
  public Integer call() throws Exception {
    if (images < 0 || extractorsPerModel < 1 || scorerCount < 1 || partitions < 1 || imagesPerTransaction < 1
        || Math.min(extractorKills, Math.min(scorerKills, brokerKills)) < 0) {
      throw new IllegalArgumentException("--images, the kill counts must be >= 0 and --extractors, --scorers, "
          + "--partitions, --images-per-transaction >= 1");
    }
    if (brokers != 1 && brokers < 3) {
      throw new IllegalArgumentException("--brokers must be 1 or at least 3, not " + brokers);
    }
    try (TemporaryDirectory temporary = workDir == null ? TemporaryDirectory.create("alignstream-chaos") : null) {
      Path work = workDir != null ? workDir : temporary.path();
      try {
        Map<String, Object> result = run(work);
        System.out.println(new ObjectMapper().writeValueAsString(result));
        boolean passed = (long) result.get("missing") == 0 && (long) result.get("duplicates") == 0
            && (long) result.get("dead_letters") == 0 && (boolean) result.get("metrics_equal")
            && (boolean) result.get("queries_answered_in_time");
        return passed ? 0 : 1;
      } finally {
        List<ServiceProcess> all = new ArrayList<>(extractors);
        all.addAll(scorers);
        all.forEach(p -> p.stop(Duration.ofSeconds(20)));
        if (local != null) {
          local.stop(Duration.ofSeconds(30));
        }
      }
    }
  }

  private Map<String, Object> run(Path work) throws Exception {
    Path logs = work.resolve("logs");
    // One broker: fixed ports, as the bench restarts the whole cluster process. Several: local
    // picks free ports once and keeps them when it restarts a killed broker.
    int kafkaPort = brokers == 1 ? freePort() : 0;
    int registryPort = freePort();
    local = new ServiceProcess("local", List.of("-Xmx768m", "-XX:+UseSerialGC"), List.of("local",
        "--data-dir", work.resolve("cluster").toString(), "--brokers", "" + brokers, "--port", "" + kafkaPort,
        "--registry-port", "" + registryPort, "--partitions", "" + partitions, "--management-port", "0"), logs);
    local.start();
    local.await(LOCAL_READY, Duration.ofMinutes(3));
    String bootstrap = brokers == 1 ? "127.0.0.1:" + kafkaPort : local.await(BOOTSTRAP, Duration.ofSeconds(5)).group(1);
    cluster = ClusterConfig.of(bootstrap, "http://127.0.0.1:" + registryPort);
    List<String> join = new ArrayList<>(List.of("--bootstrap-servers", cluster.bootstrapServers(),
        "--schema-registry-url", cluster.schemaRegistryUrl()));
    clientProperties.forEach((key, value) -> join.addAll(List.of("-X", key + "=" + value)));

    produce(join, "requests", "--dataset", "synthetic", "--limit", "" + images, "--noise-levels", noiseLevels,
        "--conditionings", conditionings, "--resolution", "64", "--latent", "mean");
    produce(join, "triplets", "--dataset", "synthetic");
    List<ExtractionRequest> requests = readAll(cluster.topics().requests(), ExtractionRequest.class, (k, v) -> { });
    List<TripletJudgment> triplets = readAll(cluster.topics().triplets(), TripletJudgment.class, (k, v) -> { });
    Path modelCache = work.resolve("models");
    Map<String, ModelInfo> infos = new LinkedHashMap<>();
    for (String model : models) {
      // Also writes the tiny model's folder once, before several processes would race to.
      try (FeatureModel opened = FeatureModels.open(model, null, ModelOptions.defaults().withModelCache(modelCache))) {
        infos.put(model, opened.info());
      }
    }

    for (String model : models) {
      for (int i = 0; i < extractorsPerModel; i++) {
        List<String> args = new ArrayList<>(List.of("extract", "--model", model, "--instance-id", model + "-" + i,
            "--model-cache", modelCache.toString(), "--threads", "1", "--images-per-transaction",
            "" + imagesPerTransaction, staticMembership ? "--static-membership" : "--no-static-membership",
            "--management-port", "0"));
        if (sessionTimeoutMs != null) {
          args.addAll(List.of("--session-timeout-ms", "" + sessionTimeoutMs));
        }
        args.addAll(join);
        extractors.add(new ServiceProcess("extractor-" + model + "-" + i, List.of("-Xmx768m", "-XX:+UseSerialGC"), args, logs));
      }
    }
    for (int i = 0; i < scorerCount; i++) {
      List<String> args = new ArrayList<>(List.of("score", "--application-id", SCORER_APP, "--state-dir",
          work.resolve("scorer-" + i).toString(), "--http-port", "0", "--management-port", "0", "--emit-interval-ms", "200"));
      if (sessionTimeoutMs != null) {
        args.addAll(List.of("-X", "main.consumer.session.timeout.ms=" + sessionTimeoutMs,
            "-X", "main.consumer.heartbeat.interval.ms=" + sessionTimeoutMs / 3));
      }
      if (staticMembership) {
        args.addAll(List.of("-X", "main.consumer.group.instance.id=" + scorerInstanceId(i)));
      }
      args.addAll(join);
      scorers.add(new ServiceProcess("scorer-" + i, List.of("-Xmx768m", "-XX:+UseSerialGC"), args, logs));
    }

    long started = System.nanoTime();
    long deadline = started + TimeUnit.SECONDS.toNanos(timeoutS);
    List<Kill> kills = new CopyOnWriteArrayList<>();
    int unplannedRestarts = 0;
    Snapshot last = null;
    try (Admin admin = Admin.create(observerProperties());
        ScorerQuerier querier = new ScorerQuerier(scorers);
        CommitWatchers watchers = new CommitWatchers(admin, topicsOfGroups().keySet(), kills)) {
      // The scorers first, and the work once their group is stable: a scorer kill then measures
      // a failover between running instances, not the group's start.
      scorers.forEach(ServiceProcess::start);
      while (!scorersStable(admin) && System.nanoTime() < deadline) {
        ServiceProcess.sleep(250);
      }
      extractors.forEach(ServiceProcess::start);
      List<PlannedKill> schedule = schedule();
      boolean drained = false;
      while (!drained && System.nanoTime() < deadline) {
        Snapshot now = Snapshot.take(admin, topicsOfGroups());
        if (now != null) {
          last = now;
          double progress = now.progress(extractorGroups(), cluster.topics().requests());
          while (!schedule.isEmpty() && schedule.get(0).atProgress() <= progress
              && (!schedule.get(0).kind().equals("scorer") || scorersStable(admin))) {
            Kill kill = kill(schedule.remove(0), admin, now);
            if (!kills.isEmpty()) {
              kills.get(kills.size() - 1).untilNanos = kill.atNanos;
            }
            kills.add(kill);
          }
          drained = schedule.isEmpty() && now.caughtUp() && allAlive();
        }
        unplannedRestarts += restartExited();
        ServiceProcess.sleep(250);
      }
      queries = querier.summary();
      for (int i = 0; i < kills.size(); i++) {
        Kill kill = kills.get(i);
        long until = i + 1 < kills.size() ? kills.get(i + 1).atNanos : System.nanoTime();
        kill.longestQueryGapSeconds = querier.longestGap(kill.atNanos, until);
      }
    }
    double wall = (System.nanoTime() - started) / 1e9;

    Map<String, Integer> found = new HashMap<>();
    Map<String, Map<String, float[]>> vectors = new TreeMap<>();
    readAll(cluster.topics().embeddings(), LayerEmbedding.class, (key, e) -> {
      found.merge(identity(SettingKey.of(e.getSetting()), e.getImageId()), 1, Integer::sum);
      float[] v = new float[e.getVector().size()];
      for (int d = 0; d < v.length; d++) {
        v[d] = e.getVector().get(d);
      }
      vectors.computeIfAbsent(key, k -> new HashMap<>()).put(e.getItemId(), v);
    });
    Set<String> expected = expected(requests, infos);
    long missing = expected.stream().filter(k -> !found.containsKey(k)).count();
    long duplicates = found.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
    long unexpected = found.keySet().stream().filter(k -> !expected.contains(k)).count();
    long deadLetters = readAll(cluster.topics().deadletter(), SpecificRecord.class, (k, v) -> { }).size();
    Map<String, long[]> batch = new TreeMap<>();
    vectors.forEach((setting, byItem) -> batch.put(setting, batchScore(byItem, triplets)));
    boolean metricsEqual = awaitMetrics(batch, Duration.ofSeconds(60));

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("bench", "chaos");
    result.put("models", models);
    result.put("extractors", extractors.size());
    result.put("scorers", scorers.size());
    result.put("brokers", brokers);
    result.put("images", requests.size());
    result.put("triplets", triplets.size());
    result.put("expected", expected.size());
    result.put("found", found.values().stream().mapToLong(Integer::longValue).sum());
    result.put("missing", missing);
    result.put("duplicates", duplicates);
    result.put("unexpected", unexpected);
    result.put("dead_letters", deadLetters);
    Map<String, Long> byKind = new LinkedHashMap<>();
    for (String kind : List.of("extractor", "scorer", "broker")) {
      byKind.put(kind, kills.stream().filter(k -> k.plan.kind().equals(kind)).count());
    }
    result.put("kills", byKind);
    result.put("unplanned_restarts", unplannedRestarts);
    result.put("settings", batch.size());
    result.put("metrics_equal", metricsEqual);
    result.put("wall_s", Thousandths.round(wall));
    result.put("images_per_s", Thousandths.round(requests.size() * models.size() / wall));
    result.put("session_timeout_ms", sessionTimeoutMs);
    result.put("static_membership", staticMembership);
    result.put("seed", seed);
    result.put("client_properties", clientProperties);
    result.put("load_avg_1m", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    List<Map<String, Object>> recovery = new ArrayList<>();
    for (Kill kill : kills) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("kind", kill.plan.kind());
      r.put("process", kill.process);
      if (kill.activeController != null) {
        r.put("active_controller", kill.activeController);
      }
      if (kill.coordinatorOf != null) {
        r.put("coordinator_of", kill.coordinatorOf);
      }
      r.put("at_s", Thousandths.round((kill.atNanos - started) / 1e9));
      r.put("at_progress", Thousandths.round(kill.plan.atProgress()));
      // Partitions that had work (waiting, or arriving later); with none there was nothing to resume: 0.
      Set<GroupPartition> withWork = kill.withWork(last);
      List<Double> after = withWork.stream().map(kill.resumedAfter::get).toList();
      r.put("pending_partitions", withWork.size());
      r.put("resumed_s", after.isEmpty() ? 0.0
          : after.stream().filter(Objects::nonNull).min(Double::compare).map(Thousandths::round).orElse(null));
      r.put("all_resumed_s", after.isEmpty() ? 0.0
          : after.contains(null) ? null : Thousandths.round(after.stream().max(Double::compare).orElseThrow()));
      // the partition that resumed last (or never): what held the recovery longest
      withWork.stream().max(Comparator.comparingDouble(gp -> kill.resumedAfter.getOrDefault(gp, Double.MAX_VALUE)))
          .ifPresent(gp -> r.put("last_partition", gp.group() + " " + gp.partition()));
      Map<String, Double> gaps = new TreeMap<>();
      synchronized (kill) {
        kill.longestCommitGap.forEach((group, gap) -> gaps.put(group, Thousandths.round(gap)));
      }
      r.put("longest_commit_gap_s", gaps);
      r.put("longest_query_gap_s", Thousandths.round(kill.longestQueryGapSeconds));
      recovery.add(r);
    }
    result.put("recovery", recovery);
    result.put("restores", restores());
    result.put("queries", queries);
    result.put("max_query_gap_s", maxQueryGapS);
    result.put("queries_answered_in_time", maxQueryGapS == 0 || (double) queries.get("longest_gap_s") <= maxQueryGapS);
    return result;
  }

  /**
   * The scorers' restorations that restored anything, as they logged them (records, seconds), with
   * the bytes they fetched (each changelog's records at its stored bytes per record), and in total
   * records and megabytes per second.
   */
  private Map<String, Object> restores() throws Exception {
    ChangelogSizes sizes;
    try (Admin admin = Admin.create(cluster.clientProperties("chaos-changelogs"))) {
      sizes = ChangelogSizes.of(admin, cluster.consumerProperties("chaos-changelogs", "unused"), SCORER_APP);
    }
    List<Map<String, Object>> each = new ArrayList<>();
    long records = 0;
    long bytes = 0;
    double seconds = 0;
    for (ServiceProcess scorer : scorers) {
      for (Restoration restoration : Restoration.in(Files.readString(scorer.log()))) {
        Map<String, Object> restore = new LinkedHashMap<>();
        restore.put("process", scorer.name());
        restore.putAll(restoration.json(sizes, SCORER_APP));
        each.add(restore);
        records += restoration.records();
        bytes += restoration.bytes(sizes);
        seconds += restoration.seconds();
      }
    }
    Map<String, Object> restores = new LinkedHashMap<>();
    restores.put("each", each);
    restores.put("records_per_s", seconds == 0 ? null : Thousandths.round(records / seconds));
    restores.put("mb_per_s", seconds == 0 ? null : Thousandths.round(bytes / 1e6 / seconds));
    Map<String, Object> changelogs = new TreeMap<>();
    sizes.topics().forEach((topic, size) -> changelogs.put(topic.substring(SCORER_APP.length() + 1),
        Map.of("records", size.records(), "stored_bytes", size.storedBytes())));
    restores.put("changelogs", changelogs);
    return restores;
  }

  /** Kills spread over 10%..85% of the requests committed, in seeded order and victims. */
  private List<PlannedKill> schedule() {
    Random random = new Random(seed);
    List<PlannedKill> plan = new ArrayList<>();
    BiConsumer<String, Integer> add = (kind, count) -> {
      int processes = kind.equals("extractor") ? extractors.size() : kind.equals("scorer") ? scorers.size() : brokers;
      for (int i = 0; i < count; i++) {
        plan.add(new PlannedKill(kind, 0.10 + 0.75 * random.nextDouble(), random.nextInt(processes)));
      }
    };
    add.accept("extractor", extractorKills);
    add.accept("scorer", scorerKills);
    add.accept("broker", brokerKills);
    plan.sort((a, b) -> Double.compare(a.atProgress(), b.atProgress()));
    return plan;
  }

  /**
   * SIGKILLs the planned victim and starts it again at once (in place: same instance id, state
   * directory, ports), noting which partitions had work waiting: progress resumes when each of
   * them has moved on (or has nothing left).
   */
  private Kill kill(PlannedKill plan, Admin admin, Snapshot now) throws Exception {
    if (plan.kind().equals("broker") && brokers > 1) {
      return killBroker(plan, admin, now);
    }
    ServiceProcess victim = switch (plan.kind()) {
      case "extractor" -> extractors.get(plan.victim());
      case "scorer" -> scorers.get(plan.victim());
      default -> local;
    };
    Set<GroupPartition> affected = switch (plan.kind()) {
      case "extractor" -> {
        String model = victim.name().substring("extractor-".length(), victim.name().lastIndexOf('-'));
        String clientId = ExtractorService.groupId(model) + "-" + victim.name().substring("extractor-".length());
        yield Snapshot.assignedTo(admin, ExtractorService.groupId(model), clientId);
      }
      // its own partitions, those the other instance must take over (with static membership the
      // member is named after the instance; without, which member it was is not known: all)
      case "scorer" -> staticMembership ? Snapshot.assignedTo(admin, SCORER_APP, scorerInstanceId(plan.victim()))
          : now.allOf(Set.of(SCORER_APP));
      default -> now.allOf(topicsOfGroups().keySet());
    };
    long at = System.nanoTime();
    victim.kill();
    victim.start();
    if (victim == local) {
      local.await(LOCAL_READY, Duration.ofMinutes(3));
    }
    return new Kill(plan, victim.name(), at, now, affected);
  }

  /**
   * SIGKILLs broker {@code plan.victim() + 1} of the replicated cluster (the process local last
   * printed for it), which local restarts: the other brokers take over its partitions' leadership
   * meanwhile, so every partition counts as affected. Notes whether it led the controller quorum
   * (combined nodes): then the quorum elects a new leader before anything else moves.
   */
  private Kill killBroker(PlannedKill plan, Admin admin, Snapshot now) throws Exception {
    String node = String.valueOf(plan.victim() + 1);
    Integer quorumLeader = quorumLeader(admin);
    List<String> coordinated = coordinatedBy(admin, Integer.parseInt(node));
    long pid = -1;
    Matcher printed = BROKER_PID.matcher(Files.readString(local.log()));
    while (printed.find()) {
      if (printed.group(1).equals(node)) {
        pid = Long.parseLong(printed.group(2));
      }
    }
    ProcessHandle broker = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
        "no running process of broker " + node + " in what local printed; see " + local.log()));
    long at = System.nanoTime();
    broker.destroyForcibly();
    broker.onExit().join();
    Kill kill = new Kill(plan, "broker-" + node, at, now, now.allOf(topicsOfGroups().keySet()));
    kill.activeController = quorumLeader == null ? null : String.valueOf(quorumLeader).equals(node);
    kill.coordinatorOf = coordinated;
    return kill;
  }

  /**
   * What broker {@code node} coordinated just before its kill: the groups (extractors', scorers')
   * and transactional ids whose coordinator moves with it, each a wait for the clients that use
   * it; null when the cluster does not say within 5 s.
   */
  private List<String> coordinatedBy(Admin admin, int node) throws InterruptedException {
    try {
      List<String> coordinated = new ArrayList<>();
      admin.describeConsumerGroups(topicsOfGroups().keySet()).all().get(5, TimeUnit.SECONDS).forEach((group, d) -> {
        if (d.coordinator() != null && d.coordinator().id() == node) {
          coordinated.add("group " + group);
        }
      });
      List<String> transactional = admin.listTransactions().all().get(5, TimeUnit.SECONDS).stream()
          .map(TransactionListing::transactionalId).toList();
      admin.describeTransactions(transactional).all().get(5, TimeUnit.SECONDS).forEach((id, d) -> {
        if (d.coordinatorId() == node) {
          coordinated.add("transactions " + id);
        }
      });
      Collections.sort(coordinated);
      return coordinated;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /** The node leading the controller quorum, or null when the cluster does not say within 5 s (a broker restarting). */
  private static Integer quorumLeader(Admin admin) throws InterruptedException {
    try {
      return admin.describeMetadataQuorum().quorumInfo().get(5, TimeUnit.SECONDS).leaderId();
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /**
   * The observing admin client's settings: requests abandoned after 5 s (Kafka's 30 s). A broker
   * restarted after a kill binds its port tens of seconds before it serves (log recovery,
   * metadata catch-up; about 20 s at load 30); a request sent to it meanwhile is accepted by the
   * kernel and left unanswered until the request timeout, and with 30 s the snapshots failed for
   * up to a minute, so that a broker kill's partitions seemed to resume only then, while the
   * pipeline went on committing.
   */
  private Map<String, Object> observerProperties() {
    Map<String, Object> props = cluster.clientProperties("chaos-admin");
    props.put("request.timeout.ms", 5000);
    props.put("default.api.timeout.ms", 5000);
    return props;
  }

  private static String scorerInstanceId(int scorer) {
    return "chaos-scorer-" + scorer;
  }

  /**
   * Whether the scorers' group is stable with every instance in it: a scorer is killed only then,
   * so that its kill measures a failover rather than the group's start.
   */
  private boolean scorersStable(Admin admin) {
    try {
      ConsumerGroupDescription group = admin.describeConsumerGroups(Set.of(SCORER_APP)).describedGroups()
          .get(SCORER_APP).get(5, TimeUnit.SECONDS);
      return group.groupState() == GroupState.STABLE && group.members().size() == scorers.size();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Restarts any service that exited on its own (as a supervisor would); returns how many. */
  private int restartExited() {
    int restarted = 0;
    List<ServiceProcess> all = new ArrayList<>(extractors);
    all.addAll(scorers);
    all.add(local);
    for (ServiceProcess process : all) {
      if (!process.alive()) {
        process.start();
        restarted++;
      }
    }
    return restarted;
  }

  private boolean allAlive() {
    return local.alive() && extractors.stream().allMatch(ServiceProcess::alive) && scorers.stream().allMatch(ServiceProcess::alive);
  }

  private List<String> extractorGroups() {
    return models.stream().map(ExtractorService::groupId).toList();
  }

  /** The consumer groups of the pipeline and the input topics each must drain. */
  private Map<String, List<String>> topicsOfGroups() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    extractorGroups().forEach(g -> groups.put(g, List.of(cluster.topics().requests())));
    groups.put(SCORER_APP, List.of(cluster.topics().embeddings(), cluster.topics().triplets()));
    return groups;
  }

  /** Every (model, layer, noise, conditioning, image) the requests ask of the models. */
  private static Set<String> expected(List<ExtractionRequest> requests, Map<String, ModelInfo> infos) {
    Set<String> expected = new HashSet<>();
    for (ExtractionRequest request : requests) {
      for (ModelInfo info : infos.values()) {
        for (String setting : info.settingKeys(request.getNoiseLevels(), request.getConditionings())) {
          expected.add(identity(setting, request.getImageId()));
        }
      }
    }
    return expected;
  }

  private static String identity(String setting, String image) {
    return setting + "/" + image;
  }

  /**
   * The batch computation: cosine similarities in double precision; a triplet counts when its
   * three items have vectors, and is right when the human's pair (the two items not chosen as
   * odd) is at least as similar as each other pair, unless all three are equal.
   */
  static long[] batchScore(Map<String, float[]> vectors, List<TripletJudgment> triplets) {
    long correct = 0;
    long total = 0;
    for (TripletJudgment t : triplets) {
      int odd = t.getOddOneOut();
      double[] a = unit(vectors.get(t.getItems().get((odd + 1) % 3)));
      double[] b = unit(vectors.get(t.getItems().get((odd + 2) % 3)));
      double[] c = unit(vectors.get(t.getItems().get(odd)));
      if (a == null || b == null || c == null) {
        continue;
      }
      total++;
      double pair = dot(a, b);
      double ac = dot(a, c);
      double bc = dot(b, c);
      if (!(pair == ac && pair == bc) && pair >= ac && pair >= bc) {
        correct++;
      }
    }
    return new long[] {correct, total};
  }

  private static double[] unit(float[] v) {
    if (v == null) {
      return null;
    }
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    double inverse = norm == 0 ? 0 : 1 / Math.sqrt(norm);
    double[] u = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      u[i] = v[i] * inverse;
    }
    return u;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** Reads the cumulative metrics until every setting's latest equals the batch counts (or the timeout). */
  private boolean awaitMetrics(Map<String, long[]> batch, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, AlignmentMetric> latest = new HashMap<>();
      readAll(cluster.topics().oooa(), AlignmentMetric.class, (key, m) -> latest.put(key, m));
      boolean equal = !batch.isEmpty() && batch.entrySet().stream().allMatch(e -> {
        AlignmentMetric m = latest.get(e.getKey());
        return m != null && m.getCorrect() == e.getValue()[0] && m.getTotal() == e.getValue()[1];
      });
      if (equal || System.nanoTime() > deadline) {
        return equal;
      }
      ServiceProcess.sleep(1000);
    }
  }

  private void produce(List<String> join, String... args) {
    List<String> all = new ArrayList<>(List.of("produce"));
    all.addAll(List.of(args));
    all.addAll(join);
    String[] argv = all.toArray(String[]::new);
    int exit = Alignstream.commandLine(argv).execute(argv);
    if (exit != 0) {
      throw new IllegalStateException("alignstream " + String.join(" ", argv) + " exited with " + exit);
    }
  }

  /** Every committed record of a topic, from the beginning to its end now. */
  private <T extends SpecificRecord> List<T> readAll(String topic, Class<T> type, BiConsumer<String, T> each) {
    Map<String, Object> props = cluster.consumerProperties("chaos-reader", "unused");
    props.remove("group.id");
    AvroSerde<T> serde = AvroSerde.configured(type, cluster.serdeProperties(), false);
    List<T> values = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> all = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(all);
      consumer.seekToBeginning(all);
      Map<TopicPartition, Long> end = consumer.endOffsets(all);
      while (all.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          T value = serde.deserialize(topic, record.value());
          values.add(value);
          each.accept(record.key(), value);
        }
      }
    }
    return values;
  }


  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One thread per consumer group that reads the group's committed offsets over and over and
   * tells every kill so far, so that a kill's partitions are seen committing again as soon as
   * their group's coordinator answers. The loop's snapshots cannot do that alone: a snapshot
   * needs every group's offsets and every partition's end, and after a broker kill a request to
   * the killed broker (a partition it led, in the observer's stale metadata) waits the observer's
   * 5 s request timeout, so that the snapshots came in 5 s steps and a kill's first commit was
   * seen up to 5 s late: resumed_s read 11.5 s where the extractor and both scorers had committed
   * again 5.7-6.9 s after the kill (their logs, 2026-12-06).
   */
  private static final class CommitWatchers implements AutoCloseable {
    /**
     * A read of a group's offsets is given up after 1 s and asked again (with a new coordinator
     * lookup): one sent to a killed coordinator, or to a restarted broker that accepts
     * connections before it serves, would otherwise wait the admin client's 5 s.
     */
    private static final ListConsumerGroupOffsetsOptions WATCH_OPTIONS =
        new ListConsumerGroupOffsetsOptions().timeoutMs(1000);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    CommitWatchers(Admin admin, Set<String> groups, List<Kill> kills) {
      for (String group : groups) {
        Thread thread = new Thread(() -> watch(admin, group, kills), "chaos-commits-" + group);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
    }

    private void watch(Admin admin, String group, List<Kill> kills) {
      while (running) {
        long asked = System.nanoTime();
        try {
          Map<GroupPartition, Long> committed = new HashMap<>();
          admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()), WATCH_OPTIONS)
              .partitionsToOffsetAndMetadata(group).get(5, TimeUnit.SECONDS)
              .forEach((tp, offset) -> {
                if (offset != null) {
                  committed.put(new GroupPartition(group, tp), offset.offset());
                }
              });
          kills.forEach(kill -> kill.observe(group, committed, asked));
        } catch (ExecutionException | TimeoutException e) {
          // the group's coordinator does not answer now (moving, or its broker restarting): ask again
        } catch (InterruptedException e) {
          return;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      for (Thread thread : threads) {
        thread.interrupt();
        thread.join(5000);
      }
    }
  }

  /** A partition as one consumer group reads it (two models' groups read the same requests). */
  private record GroupPartition(String group, TopicPartition partition) {}

  /**
   * The consumer groups' committed offsets and the committed ends (last stable offsets) of the
   * partitions they read, at one moment; null while the broker does not answer. A partition a
   * group has not committed yet counts from 0.
   */
  private record Snapshot(Map<GroupPartition, Long> committed, Map<TopicPartition, Long> end) {

    static Snapshot take(Admin admin, Map<String, List<String>> topicsOfGroup) {
      try {
        Map<GroupPartition, Long> committed = new HashMap<>();
        Set<String> topics = new HashSet<>();
        topicsOfGroup.values().forEach(topics::addAll);
        Map<String, TopicDescription> described =
            admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
        for (var entry : topicsOfGroup.entrySet()) {
          for (String topic : entry.getValue()) {
            described.get(topic).partitions().forEach(p ->
                committed.put(new GroupPartition(entry.getKey(), new TopicPartition(topic, p.partition())), 0L));
          }
          admin.listConsumerGroupOffsets(entry.getKey()).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS)
              .forEach((tp, offset) -> {
                if (offset != null) {
                  committed.put(new GroupPartition(entry.getKey(), tp), offset.offset());
                }
              });
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(gp -> latest.put(gp.partition(), OffsetSpec.latest()));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(5, TimeUnit.SECONDS)
            .forEach((tp, info) -> end.put(tp, info.offset()));
        return new Snapshot(committed, end);
      } catch (ExecutionException | TimeoutException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    long endOf(GroupPartition gp) {
      return end.getOrDefault(gp.partition(), 0L);
    }

    /** Fraction of the requests committed by the extractor groups (1 when there are none). */
    double progress(List<String> extractorGroups, String requests) {
      long done = 0;
      long total = 0;
      for (var e : committed.entrySet()) {
        if (e.getKey().partition().topic().equals(requests) && extractorGroups.contains(e.getKey().group())) {
          done += e.getValue();
          total += endOf(e.getKey());
        }
      }
      return total == 0 ? 1 : (double) done / total;
    }

    boolean caughtUp() {
      return committed.entrySet().stream().allMatch(e -> e.getValue() >= endOf(e.getKey()));
    }

    Set<GroupPartition> allOf(Set<String> groups) {
      Set<GroupPartition> of = new HashSet<>();
      committed.keySet().stream().filter(gp -> groups.contains(gp.group())).forEach(of::add);
      return of;
    }

    /**
     * The partitions the group currently assigns to the member with this client id, or (Kafka
     * Streams) with this group instance id and a thread number appended.
     */
    static Set<GroupPartition> assignedTo(Admin admin, String group, String clientId) throws Exception {
      Set<GroupPartition> of = new HashSet<>();
      for (MemberDescription member : admin.describeConsumerGroups(Set.of(group)).describedGroups().get(group)
          .get(5, TimeUnit.SECONDS).members()) {
        if (member.clientId().equals(clientId)
            || member.groupInstanceId().filter(id -> id.startsWith(clientId + "-")).isPresent()) {
          member.assignment().topicPartitions().forEach(tp -> of.add(new GroupPartition(group, tp)));
        }
      }
      return of;
    }

  }
}
