package io.alignstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.TemporaryDirectory;
import io.alignstream.common.TopicLayout;
import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.local.EmbeddedKafkaBroker;
import io.alignstream.local.EmbeddedSchemaRegistry;
import io.alignstream.local.ServiceProcess;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.GroupState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code alignstream bench restore}: what a scorer restart costs at a realistic state size. One
 * scorer process (a JVM of its own, so that it can be SIGKILLed) scores {@code settings x items}
 * vectors of {@code dim} floats against the triplets, on a broker in this process; then, one
 * after the other:
 *
 * <ul>
 *   <li>{@code stop}: a graceful stop (SIGTERM) and a restart in place: the stores are kept and
 *       only the changelog tail past their checkpoint is restored;
 *   <li>{@code kill}: SIGKILL of the idle scorer (everything committed) and a restart in place:
 *       its stores and their checkpoints are still there, so again only the tail is restored;
 *   <li>{@code wipe}: SIGKILL, the state directory deleted, and a restart: the whole changelogs
 *       are restored, as on a new machine, or after a kill in the middle of a transaction, whose
 *       stores exactly once wipes (with {@code --baseline}, four times: restarts with those
 *       properties and with the scorer's own in the order A B B A, so that neither gains from
 *       going first, for a ratio in the same run);
 *   <li>{@code failover}: a second instance joins (it keeps standby copies, {@code
 *       num.standby.replicas=1}), the first is SIGKILLed and not restarted: the second takes over.
 * </ul>
 *
 * After each, one held-back item is sent for every setting, and the phase ends when every
 * setting published the total that includes it: {@code ready_s} (the restarted instance's
 * {@code /ready} answers 200: joined, restored, running), {@code first_output_s} and {@code
 * all_output_s} count from the stop or kill. The last phase's counts must equal the batch
 * computation over all vectors. One JSON line per phase, then a summary.
 */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Fills a scorer's state with settings x items vectors, then stops, SIGKILLs, wipes and fails it over, "
        + "measuring each restoration (records, MB, s, MB/s per changelog) and the time to the first committed "
        + "output after it. One JSON line per phase, then a summary; exit 1 when the final counts differ from the "
        + "batch computation.",
        "Example: alignstream bench restore --dim 1280 --settings 10 --baseline restore.consumer.max.poll.records=1000"})
public final class RestoreBench implements Callable<Integer> {

  private static final String APP = "restore-bench";
  /** What a service prints of its management server at start (ManagementServer). */
  private static final Pattern MANAGEMENT = Pattern.compile("management: (http://\\S+/) ");

  @Mixin
  BenchDataOptions benchData;

  @Option(names = "--dim", defaultValue = "1280", description = "Vector dimension (default: ${DEFAULT-VALUE}).")
  int dim;

  @Option(names = "--settings", defaultValue = "10",
      description = "Settings, each with a vector per item (default: ${DEFAULT-VALUE}: about 95 MB of vectors at d = 1280).")
  int settings;

  @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the pipeline topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--phases", defaultValue = "stop,kill,wipe,failover", split = ",", paramLabel = "stop|kill|wipe|failover",
      description = "What to do to the filled scorer, in order (default: ${DEFAULT-VALUE}).")
  List<String> phases;

  @Option(names = "--baseline", paramLabel = "KEY=VALUE",
      description = "Scorer properties of a baseline restart: each wipe is done four times, restarting with these and"
          + " with the scorer's own settings in the order A B B A (e.g. Kafka's defaults of what the scorer tunes).")
  Map<String, String> baseline = new LinkedHashMap<>();

  @Option(names = "-X", paramLabel = "KEY=VALUE", description = "Kafka Streams / client property for every scorer run.")
  Map<String, String> scorerProperties = new LinkedHashMap<>();

  @Option(names = "--scorer-heap", defaultValue = "1g", paramLabel = "SIZE",
      description = "The scorer JVM's -Xmx (default: ${DEFAULT-VALUE}).")
  String scorerHeap;

  @Option(names = "--standby-wait-s", defaultValue = "0", paramLabel = "S",
      description = "How long the second instance fills its standby copies before the failover kill; 0 = 1.5 x the"
          + " longest whole restore measured before, or 60 s (default: ${DEFAULT-VALUE}).")
  double standbyWaitS;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the broker data, scorer state and scorer logs go (default: a temporary directory, deleted).")
  Path workDir;

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (dim < 1 || settings < 1 || partitions < 1) {
      throw new IllegalArgumentException("--dim, --settings and --partitions must be >= 1");
    }
    for (String phase : phases) {
      if (!List.of("stop", "kill", "wipe", "failover").contains(phase)) {
        throw new IllegalArgumentException("--phases: '" + phase + "' is not stop, kill, wipe or failover");
      }
    }
    if (phases.indexOf("failover") >= 0 && phases.indexOf("failover") != phases.size() - 1) {
      throw new IllegalArgumentException("--phases: failover must be the last phase (it leaves one instance)");
    }
    BenchData data = benchData.load();
    try (TemporaryDirectory temporary = workDir == null ? TemporaryDirectory.create("alignstream-restore") : null) {
      Path work = workDir != null ? workDir : temporary.path();
      try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("cluster"), 0);
          EmbeddedSchemaRegistry schemas = EmbeddedSchemaRegistry.start(
              EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers()).withPort(0))) {
        return run(data, work, ClusterConfig.of(broker.bootstrapServers(), schemas.url()));
      }
    }
  }

  private int run(BenchData data, Path work, ClusterConfig cluster) throws Exception {
    PipelineTopics.ensure(cluster, TopicLayout.ofPartitions(partitions));
    Topics topics = cluster.topics();
    // The items in a seeded order; the last ones are held back, one per phase.
    List<Integer> order = data.itemOrder();
    List<String> steps = new ArrayList<>();
    phases.forEach(phase -> {
      if (phase.equals("wipe") && !baseline.isEmpty()) {
        steps.addAll(List.of("wipe-baseline", "wipe", "wipe", "wipe-baseline"));
      } else {
        steps.add(phase);
      }
    });
    List<Integer> held = new ArrayList<>(order.subList(order.size() - steps.size(), order.size()));
    boolean[] present = new boolean[data.items.size()];
    Map<String, Integer> indexOf = BenchData.settingIndexes(settings);
    AvroSerde<LayerEmbedding> embeddingSerde = AvroSerde.configured(LayerEmbedding.class, cluster.serdeProperties(), false);
    AvroSerde<AlignmentMetric> metricSerde = AvroSerde.configured(AlignmentMetric.class, cluster.serdeProperties(), false);
    AvroSerde<TripletJudgment> tripletSerde = AvroSerde.configured(TripletJudgment.class, cluster.serdeProperties(), false);
    List<ServiceProcess> running = new ArrayList<>();
    BenchData.Vectors vectors = data.vectors(dim);
    try (KafkaProducer<String, byte[]> producer = ScorerBenchCommand.producer(cluster);
        KafkaConsumer<String, byte[]> metrics = ScorerBenchCommand.metricsConsumer(cluster);
        Admin admin = Admin.create(cluster.clientProperties("restore-bench-admin"))) {
      ScorerBenchCommand.sendTriplets(producer, tripletSerde, topics, data);
      for (int item : order.subList(0, order.size() - held.size())) {
        ScorerBenchCommand.sendItem(producer, embeddingSerde, topics, data, vectors, item, settings, null);
        present[item] = true;
      }
      producer.flush();

      // Fill: the first instance scores everything but the held-back items.
      ScorerBenchCommand.assignAtEnd(metrics, topics.oooa());
      long fillStart = System.nanoTime();
      ServiceProcess scorer = scorer("scorer-0", work.resolve("scorer-0"), cluster, scorerProperties);
      running.add(scorer);
      scorer.start();
      ScorerBenchCommand.awaitTotals(metrics, metricSerde, indexOf, data.tripletsAmong(present), null);
      double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
      ChangelogSizes sizes = ChangelogSizes.of(admin, cluster.consumerProperties("restore-bench-sizes", "unused"), APP);
      Map<String, Object> fill = header("fill", data);
      fill.put("s", Thousandths.round(fillSeconds));
      fill.put("embeddings_per_s", Thousandths.round(settings * (order.size() - held.size()) / fillSeconds));
      Map<String, Object> changelogs = new LinkedHashMap<>();
      sizes.topics().forEach((topic, size) -> changelogs.put(topic.substring(APP.length() + 1), Map.of(
          "records", size.records(), "mb", Thousandths.round(size.storedBytes() / 1e6),
          "bytes_per_record", Thousandths.round(size.bytesPerRecord()))));
      fill.put("changelogs", changelogs);
      print(fill);

      Map<String, List<Map<String, Object>>> results = new LinkedHashMap<>();
      double longestRestore = 0;
      long[] correct = null;
      for (int step = 0; step < steps.size(); step++) {
        String name = steps.get(step);
        ServiceProcess victim = scorer;
        ServiceProcess restorer;
        Map<String, String> properties = new LinkedHashMap<>(scorerProperties);
        if (name.equals("wipe-baseline")) {
          properties.putAll(baseline);
        }
        if (name.equals("failover")) {
          restorer = scorer("scorer-1", work.resolve("scorer-1"), cluster, properties);
          running.add(restorer);
          restorer.start();
          awaitGroup(admin, 2);
          double wait = standbyWaitS > 0 ? standbyWaitS : longestRestore > 0 ? 1.5 * longestRestore : 60;
          ServiceProcess.sleep((long) (wait * 1000));
        } else {
          // a log of its own per restart: the restorations read back are this restart's
          restorer = scorer("scorer-0-" + (step + 1) + "-" + name, work.resolve("scorer-0"), cluster, properties);
          running.add(restorer);
        }
        ScorerBenchCommand.assignAtEnd(metrics, topics.oooa());
        long at = System.nanoTime();
        if (name.equals("stop")) {
          victim.stop(Duration.ofSeconds(60));
        } else {
          victim.kill();
        }
        double stoppedSeconds = (System.nanoTime() - at) / 1e9;
        if (name.startsWith("wipe")) {
          TemporaryDirectory.deleteTree(work.resolve("scorer-0"));
        }
        if (!name.equals("failover")) {
          restorer.start();
          scorer = restorer;
        }
        int item = held.get(step);
        ScorerBenchCommand.sendItem(producer, embeddingSerde, topics, data, vectors, item, settings, null);
        producer.flush();
        present[item] = true;
        // The failover's instance was ready all along: only a restarted one's readiness says something.
        Double readySeconds = name.equals("failover") ? null
            : Thousandths.round((awaitReady(restorer) - at) / 1e9);
        long[] reachedAt = new long[settings];
        correct = ScorerBenchCommand.awaitTotals(metrics, metricSerde, indexOf, data.tripletsAmong(present), reachedAt);
        Map<String, Object> result = header(name, data);
        result.put("stopped_s", Thousandths.round(stoppedSeconds));
        result.put("ready_s", readySeconds);
        result.put("first_output_s", Thousandths.round((Arrays.stream(reachedAt).min().orElseThrow() - at) / 1e9));
        result.put("all_output_s", Thousandths.round((Arrays.stream(reachedAt).max().orElseThrow() - at) / 1e9));
        List<Restoration> restorations = Restoration.in(Files.readString(restorer.log()));
        result.put("restored_records", restorations.stream().mapToLong(Restoration::records).sum());
        result.put("restore_s", Thousandths.round(restorations.stream().mapToDouble(Restoration::seconds).sum()));
        result.put("restorations", restorations.stream().map(r -> r.json(sizes, APP)).toList());
        for (Restoration r : restorations) {
          longestRestore = Math.max(longestRestore, r.seconds());
        }
        result.put("scorer_properties", properties);
        print(result);
        results.computeIfAbsent(name, n -> new ArrayList<>()).add(result);
      }

      long[] batch = data.batchCorrect(settings, dim, true);
      boolean matches = correct != null && Arrays.equals(correct, batch);
      Map<String, Object> summary = header("summary", data);
      summary.put("matches_batch", matches);
      if (results.containsKey("wipe-baseline") && results.containsKey("wipe")) {
        // Sums over the A B B A runs.
        for (String key : List.of("restore_s", "ready_s", "first_output_s")) {
          summary.put("wipe_" + key + "_baseline_over_own", ratio(sum(results.get("wipe-baseline"), key),
              sum(results.get("wipe"), key)));
        }
      }
      print(summary);
      return matches ? 0 : 1;
    } finally {
      running.forEach(p -> p.stop(Duration.ofSeconds(30)));
    }
  }

  /** A scorer JVM of application {@value #APP} with these Kafka Streams / client properties. */
  private ServiceProcess scorer(String name, Path stateDir, ClusterConfig cluster, Map<String, String> properties) {
    List<String> args = new ArrayList<>(List.of("score", "--application-id", APP, "--state-dir", stateDir.toString(),
        "--http-port", "0", "--management-port", "0", "--emit-interval-ms", "200",
        "--bootstrap-servers", cluster.bootstrapServers(), "--schema-registry-url", cluster.schemaRegistryUrl()));
    properties.forEach((key, value) -> args.addAll(List.of("-X", key + "=" + value)));
    return new ServiceProcess(name, List.of("-Xmx" + scorerHeap, "-XX:+UseSerialGC"), args,
        stateDir.resolveSibling("logs"));
  }

  /** Waits until the scorers' group is stable with {@code members} members. */
  private static void awaitGroup(Admin admin, int members) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      try {
        ConsumerGroupDescription group = admin.describeConsumerGroups(Set.of(APP)).describedGroups().get(APP)
            .get(5, TimeUnit.SECONDS);
        if (group.groupState() == GroupState.STABLE && group.members().size() == members) {
          return;
        }
      } catch (ExecutionException | TimeoutException e) {
        // not answered now: ask again
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the scorers' group did not become stable with " + members + " members");
  }

  /** Waits until the restarted instance's {@code /ready} answers 200; returns when (System.nanoTime()). */
  private static long awaitReady(ServiceProcess scorer) throws Exception {
    URI ready = URI.create(scorer.await(MANAGEMENT, Duration.ofMinutes(5)).group(1) + "ready");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return System.nanoTime();
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(scorer.name() + " was not ready within 10 minutes; see " + scorer.log());
  }

  /** The sum of {@code key} over results. */
  private static double sum(List<Map<String, Object>> results, String key) {
    return results.stream().mapToDouble(result -> (double) result.get(key)).sum();
  }

  private static Double ratio(double a, double b) {
    return b == 0 ? null : Thousandths.round(a / b);
  }

  private Map<String, Object> header(String phase, BenchData data) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("bench", "restore");
    result.put("phase", phase);
    result.put("dim", dim);
    result.put("settings", settings);
    result.put("items", data.items.size());
    result.put("triplets", data.triplets());
    result.put("partitions", partitions);
    result.put("vector_mb", Thousandths.round((double) settings * data.items.size() * dim * Float.BYTES / 1e6));
    result.put("load_avg_1m", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return result;
  }

  private void print(Map<String, Object> result) throws Exception {
    System.out.println(json.writeValueAsString(result));
    System.out.flush();
  }

}
