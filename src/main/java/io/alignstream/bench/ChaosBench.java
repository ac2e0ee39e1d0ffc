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
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
        "Example: alignstream bench chaos --extractor-kills 3 --scorer-kills 2 --broker-kills 1"})
public final class ChaosBench implements Callable<Integer> {

  private static final Pattern LOCAL_READY = Pattern.compile("Stop with Ctrl-C");
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
      description = "SIGKILLs of the cluster process (broker and registry) (default: ${DEFAULT-VALUE}).")
  int brokerKills;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of the kill schedule: when (progress fraction) and whom (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--partitions", defaultValue = "6", paramLabel = "N",
      description = "Partitions of the pipeline topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--images-per-transaction", defaultValue = "4", paramLabel = "N",
      description = "Extractor batch size (default: ${DEFAULT-VALUE}).")
  int imagesPerTransaction;

  @Option(names = "--session-timeout-ms", defaultValue = "10000", paramLabel = "MS",
      description = "Session timeout of extractors and scorers (default: ${DEFAULT-VALUE}; 45000 = Kafka's default).")
  int sessionTimeoutMs;

  @Option(names = "--static-membership", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Extractors (and scorers) join as static members (default: on).")
  boolean staticMembership;

  @Option(names = "--timeout-s", defaultValue = "1200", paramLabel = "S",
      description = "Give up (and report what is missing) after this long (default: ${DEFAULT-VALUE}).")
  int timeoutS;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the cluster data, scorer state and process logs go (default: a temporary directory, deleted).")
  Path workDir;

  /** One planned SIGKILL: of which kind, when (fraction of requests committed), and of whom. */
  private record PlannedKill(String kind, double atProgress, int victim) {}

  /** A kill done, with the partitions that had work waiting and the time work on them resumed. */
  private static final class Kill {
    final PlannedKill plan;
    final String process;
    final long atNanos;
    final Map<GroupPartition, Long> pendingFrom;
    Double resumedSeconds;

    Kill(PlannedKill plan, String process, long atNanos, Map<GroupPartition, Long> pendingFrom) {
      this.plan = plan;
      this.process = process;
      this.atNanos = atNanos;
      this.pendingFrom = pendingFrom;
    }
  }

  private final List<ServiceProcess> extractors = new ArrayList<>();
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
    try (TemporaryDirectory temporary = workDir == null ? TemporaryDirectory.create("alignstream-chaos") : null) {
      Path work = workDir != null ? workDir : temporary.path();
      try {
        Map<String, Object> result = run(work);
        System.out.println(new ObjectMapper().writeValueAsString(result));
        boolean passed = (long) result.get("missing") == 0 && (long) result.get("duplicates") == 0
            && (long) result.get("dead_letters") == 0 && (boolean) result.get("metrics_equal");
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
    int kafkaPort = freePort();
    int registryPort = freePort();
    local = new ServiceProcess("local", List.of("-Xmx768m", "-XX:+UseSerialGC"), List.of("local",
        "--data-dir", work.resolve("cluster").toString(), "--port", "" + kafkaPort, "--registry-port", "" + registryPort,
        "--partitions", "" + partitions, "--management-port", "0"), logs);
    local.start();
    local.await(LOCAL_READY, Duration.ofMinutes(3));
    cluster = ClusterConfig.of("127.0.0.1:" + kafkaPort, "http://127.0.0.1:" + registryPort);
    List<String> join = List.of("--bootstrap-servers", cluster.bootstrapServers(), "--schema-registry-url",
        cluster.schemaRegistryUrl());

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
            "" + imagesPerTransaction, "--session-timeout-ms", "" + sessionTimeoutMs,
            staticMembership ? "--static-membership" : "--no-static-membership", "--management-port", "0"));
        args.addAll(join);
        extractors.add(new ServiceProcess("extractor-" + model + "-" + i, List.of("-Xmx768m", "-XX:+UseSerialGC"), args, logs));
      }
    }
    for (int i = 0; i < scorerCount; i++) {
      List<String> args = new ArrayList<>(List.of("score", "--application-id", SCORER_APP, "--state-dir",
          work.resolve("scorer-" + i).toString(), "--http-port", "0", "--management-port", "0", "--emit-interval-ms", "200",
          "-X", "main.consumer.session.timeout.ms=" + sessionTimeoutMs,
          "-X", "main.consumer.heartbeat.interval.ms=" + sessionTimeoutMs / 5));
      if (staticMembership) {
        args.addAll(List.of("-X", "main.consumer.group.instance.id=chaos-scorer-" + i));
      }
      args.addAll(join);
      scorers.add(new ServiceProcess("scorer-" + i, List.of("-Xmx768m", "-XX:+UseSerialGC"), args, logs));
    }

    long started = System.nanoTime();
    extractors.forEach(ServiceProcess::start);
    scorers.forEach(ServiceProcess::start);
    List<Kill> kills = new ArrayList<>();
    int unplannedRestarts = 0;
    try (Admin admin = Admin.create(cluster.clientProperties("chaos-admin"))) {
      List<PlannedKill> schedule = schedule();
      long deadline = started + TimeUnit.SECONDS.toNanos(timeoutS);
      boolean drained = false;
      while (!drained && System.nanoTime() < deadline) {
        Snapshot now = Snapshot.take(admin, topicsOfGroups());
        if (now != null) {
          double progress = now.progress(extractorGroups(), cluster.topics().requests());
          while (!schedule.isEmpty() && schedule.get(0).atProgress() <= progress) {
            kills.add(kill(schedule.remove(0), admin, now));
          }
          for (Kill kill : kills) {
            if (kill.resumedSeconds == null && now.resumed(kill.pendingFrom)) {
              kill.resumedSeconds = (System.nanoTime() - kill.atNanos) / 1e9;
            }
          }
          drained = schedule.isEmpty() && now.caughtUp() && allAlive();
        }
        unplannedRestarts += restartExited();
        ServiceProcess.sleep(250);
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
    result.put("wall_s", round(wall));
    result.put("images_per_s", round(requests.size() * models.size() / wall));
    result.put("session_timeout_ms", sessionTimeoutMs);
    result.put("static_membership", staticMembership);
    result.put("seed", seed);
    List<Map<String, Object>> recovery = new ArrayList<>();
    for (Kill kill : kills) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("kind", kill.plan.kind());
      r.put("process", kill.process);
      r.put("at_s", round((kill.atNanos - started) / 1e9));
      r.put("at_progress", round(kill.plan.atProgress()));
      r.put("pending_partitions", kill.pendingFrom.size());
      r.put("resumed_s", kill.resumedSeconds == null ? null : round(kill.resumedSeconds));
      recovery.add(r);
    }
    result.put("recovery", recovery);
    return result;
  }

  /** Kills spread over 10%..85% of the requests committed, in seeded order and victims. */
  private List<PlannedKill> schedule() {
    Random random = new Random(seed);
    List<PlannedKill> plan = new ArrayList<>();
    BiConsumer<String, Integer> add = (kind, count) -> {
      int processes = kind.equals("extractor") ? extractors.size() : kind.equals("scorer") ? scorers.size() : 1;
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
      case "scorer" -> now.allOf(Set.of(SCORER_APP));
      default -> now.allOf(topicsOfGroups().keySet());
    };
    Map<GroupPartition, Long> pending = now.pending(affected);
    long at = System.nanoTime();
    victim.kill();
    victim.start();
    if (victim == local) {
      local.await(LOCAL_READY, Duration.ofMinutes(3));
    }
    return new Kill(plan, victim.name(), at, pending);
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

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

    private long endOf(GroupPartition gp) {
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

    /** The partitions the group currently assigns to the member with this client id. */
    static Set<GroupPartition> assignedTo(Admin admin, String group, String clientId) throws Exception {
      Set<GroupPartition> of = new HashSet<>();
      for (MemberDescription member : admin.describeConsumerGroups(Set.of(group)).describedGroups().get(group)
          .get(5, TimeUnit.SECONDS).members()) {
        if (member.clientId().equals(clientId)) {
          member.assignment().topicPartitions().forEach(tp -> of.add(new GroupPartition(group, tp)));
        }
      }
      return of;
    }

    /** Of these partitions, those with work waiting, with their committed offset now. */
    Map<GroupPartition, Long> pending(Set<GroupPartition> partitions) {
      Map<GroupPartition, Long> pending = new HashMap<>();
      for (GroupPartition gp : partitions) {
        long at = committed.getOrDefault(gp, 0L);
        if (at < endOf(gp)) {
          pending.put(gp, at);
        }
      }
      return pending;
    }

    /**
     * Whether work resumed on the partitions that had work waiting: one of them has committed
     * more since (the first batch after the restart or the move), or none has anything left.
     */
    boolean resumed(Map<GroupPartition, Long> pendingFrom) {
      return pendingFrom.entrySet().stream().anyMatch(e -> committed.getOrDefault(e.getKey(), 0L) > e.getValue())
          || pendingFrom.keySet().stream().allMatch(gp -> committed.getOrDefault(gp, 0L) >= endOf(gp));
    }
  }
}
