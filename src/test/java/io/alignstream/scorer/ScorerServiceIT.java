package io.alignstream.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.http.MetricView;
import io.alignstream.scorer.jobs.AnalysisConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer on the real embedded broker with exactly_once_v2: restarts mid-stream and two
 * instances sharing the work give the same final counts as the batch computation (that is, as
 * an uninterrupted run), and the REST and SSE endpoints serve them.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ScorerServiceIT {

  private static String registryUrl;
  private static final int[] DIMS = {6, 9, 4, 5};
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void startBroker() {
    registryUrl = SharedTestBroker.registryUrl();
  }

  private static ScorerConfig config(Path stateDir, String applicationId) {
    return ScorerConfig.defaults(stateDir)
        .withStreams(s -> s.withApplicationId(applicationId))
        .withHttp(h -> h.withPort(0))
        .withTopics(t -> t.withPartitions(3))
        .withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)))
        .withAnalysis(AnalysisConfig.defaults().withThreads(0))
        .withCeiling(CeilingConfig.defaults().withMinRepeatedTriplets(1));
  }

  /** Inputs in a shuffled order with duplicates and stale vectors that are later re-sent. */
  private static List<Object> shuffledInputs(SyntheticData data, Random random) {
    List<Object> inputs = new ArrayList<>(data.triplets);
    for (LayerEmbedding e : data.embeddings()) {
      if (random.nextInt(4) == 0) {
        float[] stale = new float[e.getDim()];
        for (int d = 0; d < stale.length; d++) {
          stale[d] = (float) random.nextGaussian();
        }
        inputs.add(SyntheticData.embedding(e.getSetting(), e.getItemId(), stale));
      }
    }
    Collections.shuffle(inputs, random);
    List<Object> finals = new ArrayList<>(data.embeddings());
    for (int i = 0; i < 40; i++) {
      finals.add(data.triplets.get(random.nextInt(data.triplets.size()))); // duplicates
    }
    Collections.shuffle(finals, random);
    inputs.addAll(finals);
    return inputs;
  }

  private static Map<String, BatchReference.Score> expected(SyntheticData data) {
    Map<String, BatchReference.Score> expected = new LinkedHashMap<>();
    data.settings.keySet().forEach(k -> expected.put(k, BatchReference.score(data.vectors.get(k), data.triplets, true)));
    return expected;
  }

  private static boolean matches(Map<String, AlignmentMetric> latest, Map<String, BatchReference.Score> expected) {
    return expected.entrySet().stream().allMatch(e -> {
      AlignmentMetric m = latest.get(e.getKey());
      return m != null && m.getCorrect() == e.getValue().correct() && m.getTotal() == e.getValue().total();
    });
  }

  private static void assertFinal(Map<String, AlignmentMetric> latest, Map<String, BatchReference.Score> expected) {
    assertThat(latest.keySet()).containsAll(expected.keySet());
    expected.forEach((key, score) -> {
      assertThat(latest.get(key).getTotal()).as("total of %s", key).isEqualTo(score.total());
      assertThat(latest.get(key).getCorrect()).as("correct of %s", key).isEqualTo(score.correct());
    });
  }

  @Test
  void restartsMidStreamOnKeptAndOnFreshStateGiveTheUninterruptedCounts(@TempDir Path dir) throws Exception {
    SyntheticData data = SyntheticData.generate(101, 40, 900, DIMS);
    List<Object> inputs = shuffledInputs(data, new Random(101));
    Map<String, BatchReference.Score> expected = expected(data);
    String app = "restart-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), registryUrl, app + ".")) {
      int third = inputs.size() / 3;
      // 1. first instance, RocksDB in dir/a, stopped while its input is still arriving
      ScorerService first = ScorerService.start(kafka.cluster, config(dir.resolve("a"), app));
      assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
      kafka.send(inputs.subList(0, third));
      kafka.awaitMetrics(latest -> !latest.isEmpty(), Duration.ofSeconds(30));
      Thread sender = new Thread(() -> kafka.send(inputs.subList(third, 2 * third)));
      sender.start();
      first.close();
      sender.join();
      // 2. a fresh state directory: everything is restored from the changelogs
      ScorerService second = ScorerService.start(kafka.cluster, config(dir.resolve("b"), app));
      assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
      kafka.send(inputs.subList(2 * third, 2 * third + third / 2));
      second.close();
      // 3. back on the first directory: its checkpoint is behind, the changelog catches it up
      try (ScorerService third3 = ScorerService.start(kafka.cluster, config(dir.resolve("a"), app))) {
        assertThat(third3.awaitRunning(Duration.ofSeconds(60))).isTrue();
        kafka.send(inputs.subList(2 * third + third / 2, inputs.size()));
        Map<String, AlignmentMetric> latest = kafka.awaitMetrics(l -> matches(l, expected), Duration.ofSeconds(90));
        assertFinal(latest, expected);
        Map<String, MetricView> served = new LinkedHashMap<>();
        third3.metrics().forEach(m -> served.put(m.setting(), m));
        expected.forEach((key, score) -> assertThat(served.get(key).correct()).isEqualTo(score.correct()));
      }
    }
  }

  @Test
  void twoInstancesShareTheWorkAndAnswerForEachOther(@TempDir Path dir) throws Exception {
    SyntheticData data = SyntheticData.generate(202, 40, 900, DIMS);
    List<Object> inputs = shuffledInputs(data, new Random(202));
    Map<String, BatchReference.Score> expected = expected(data);
    String app = "pair-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), registryUrl, app + ".");
        ScorerService a = ScorerService.start(kafka.cluster, config(dir.resolve("a"), app))) {
      assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
      kafka.send(inputs.subList(0, inputs.size() / 2));
      // the second instance joins mid-stream (a rebalance moves tasks); its vector cache holds
      // no setting, so it reads vectors back from RocksDB for every evaluation
      try (ScorerService b = ScorerService.start(kafka.cluster,
          config(dir.resolve("b"), app).withLimits(l -> l.withVectorCacheBytes(64)))) {
        kafka.send(inputs.subList(inputs.size() / 2, inputs.size()));
        assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();
        Map<String, AlignmentMetric> latest = kafka.awaitMetrics(l -> matches(l, expected), Duration.ofSeconds(90));
        assertFinal(latest, expected);
        awaitQueryable(a, b);
        for (ScorerService instance : List.of(a, b)) {
          for (Map.Entry<String, BatchReference.Score> e : expected.entrySet()) {
            JsonNode metric = get(instance, "metrics/" + URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8));
            assertThat(metric.get("correct").asLong()).isEqualTo(e.getValue().correct());
            assertThat(metric.get("total").asLong()).isEqualTo(e.getValue().total());
          }
          assertThat(instance.metrics()).extracting(MetricView::setting)
              .containsExactlyInAnyOrderElementsOf(expected.keySet());
        }
      }
    }
  }

  /**
   * Issue 18's query requirement: while one of two instances goes away and the other takes its
   * partitions over, every setting keeps answering on the survivor, first from its view of the
   * published results for the partitions whose owner does not answer, then from the owner
   * again, with exactly what the owner served before (and the batch computation's counts).
   */
  @Test
  void theSurvivorAnswersEverySettingThroughoutTheOtherInstancesFailover(@TempDir Path dir) throws Exception {
    SyntheticData data = SyntheticData.generate(303, 30, 600, DIMS);
    Map<String, BatchReference.Score> expected = expected(data);
    String app = "failover-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), registryUrl, app + ".");
        ScorerService survivor = ScorerService.start(kafka.cluster, config(dir.resolve("b"), app))) {
      ScorerService leaving = ScorerService.start(kafka.cluster, config(dir.resolve("a"), app));
      assertThat(survivor.awaitRunning(Duration.ofSeconds(60))).isTrue();
      assertThat(leaving.awaitRunning(Duration.ofSeconds(60))).isTrue();
      List<Object> inputs = new ArrayList<>(data.triplets);
      inputs.addAll(data.embeddings());
      kafka.send(inputs);
      kafka.awaitMetrics(l -> matches(l, expected), Duration.ofSeconds(90));
      // What the owners serve once everything is scored: the reference for every later answer.
      Map<String, JsonNode> owners = awaitAnswers(survivor, expected.keySet(), Set.of("owner"));
      expected.forEach((key, score) -> {
        assertThat(owners.get(key).get("correct").asLong()).as("correct of %s", key).isEqualTo(score.correct());
        assertThat(owners.get(key).get("total").asLong()).as("total of %s", key).isEqualTo(score.total());
      });
      assertThat(leaving.status().ready()).isTrue();

      Thread closing = new Thread(leaving::close); // stops its HTTP API first, then its streams
      closing.start();
      Map<String, Long> sources = new TreeMap<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      boolean settled = false;
      while (!settled && System.nanoTime() < deadline) {
        Map<String, JsonNode> round = new LinkedHashMap<>();
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(survivor.baseUri().resolve("metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).as("GET /metrics during the failover: %s", list.body()).isEqualTo(200);
        json.readTree(list.body()).forEach(m -> round.put(m.get("setting").asText(), m));
        assertThat(round.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (String key : expected.keySet()) {
          JsonNode one = get(survivor, "metrics/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
          for (JsonNode answer : List.of(one, round.get(key))) {
            sources.merge(answer.get("source").asText(), 1L, Long::sum);
            assertThat(withoutSource(answer)).as("%s during the failover", key).isEqualTo(withoutSource(owners.get(key)));
          }
        }
        settled = !closing.isAlive() && survivor.status().ready() && round.values().stream()
            .allMatch(m -> m.get("source").asText().equals("owner"));
      }
      closing.join();
      assertThat(settled).as("the survivor owns every partition within 90 s; answers by source: %s", sources).isTrue();
      // the view answered while the leaving instance's partitions had no owner that answered
      assertThat(sources).as("answers by source").containsOnlyKeys("owner", "view");
    }
  }

  /** Every setting's answer on one instance, once all of them come from the given sources. */
  private Map<String, JsonNode> awaitAnswers(ScorerService instance, Set<String> keys, Set<String> from)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Map<String, JsonNode> answers = new LinkedHashMap<>();
      if (status(instance, "metrics") == 200) {
        get(instance, "metrics").forEach(m -> answers.put(m.get("setting").asText(), m));
      }
      if (answers.keySet().containsAll(keys)
          && answers.values().stream().allMatch(m -> from.contains(m.get("source").asText()))) {
        return answers;
      }
      assertThat(System.nanoTime()).as("every setting answered from %s within 60 s: %s", from, answers)
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static JsonNode withoutSource(JsonNode answer) {
    ObjectNode copy = answer.deepCopy();
    copy.remove("source");
    return copy;
  }

  @Test
  void restAndEventsServeTheMetrics(@TempDir Path dir) throws Exception {
    SyntheticData data = SyntheticData.generate(303, 30, 500, DIMS);
    Map<String, BatchReference.Score> expected = expected(data);
    double[] ceiling = BatchReference.ceiling(data.triplets);
    String app = "rest-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), registryUrl, app + ".");
        ScorerService scorer = ScorerService.start(kafka.cluster, config(dir, app))) {
      assertThat(scorer.awaitRunning(Duration.ofSeconds(60))).isTrue();
      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(scorer.baseUri().resolve("events")).build(),
          HttpResponse.BodyHandlers.ofLines());
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      Thread reader = new Thread(() -> stream.body().forEach(events::add));
      reader.setDaemon(true);
      reader.start();
      Thread.sleep(1000); // the metric feed notices a new SSE client within one poll (500 ms), then reads the windowed metrics

      kafka.send(data.triplets);
      kafka.send(data.embeddings());
      byte[] notAvro = "garbage".getBytes(StandardCharsets.UTF_8);
      kafka.sendRaw(kafka.topics.triplets(), "bad", notAvro);
      kafka.awaitMetrics(l -> matches(l, expected), Duration.ofSeconds(60));

      // SSE: every setting's final metric arrives as an event
      Map<String, JsonNode> lastEvent = new LinkedHashMap<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      String name = null;
      boolean windowed = false;
      while (System.nanoTime() < deadline && !eventsMatch(lastEvent, expected)) {
        String line = events.poll(500, TimeUnit.MILLISECONDS);
        if (line == null) {
          continue;
        }
        if (line.startsWith("event: ")) {
          name = line.substring(7);
          windowed |= name.equals("windowed");
        } else if (line.startsWith("data: ") && "metric".equals(name)) {
          JsonNode metric = json.readTree(line.substring(6));
          lastEvent.put(metric.get("setting").asText(), metric);
        }
      }
      assertThat(eventsMatch(lastEvent, expected)).as("SSE delivered every final metric").isTrue();
      // windowed metrics are fetched only while a client listens: this one connected before the
      // embeddings were sent, so it gets them (from the same ticks as the metrics, maybe after them)
      long windowDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!windowed && System.nanoTime() < windowDeadline) {
        windowed = "event: windowed".equals(events.poll(500, TimeUnit.MILLISECONDS));
      }
      assertThat(windowed).as("SSE delivered windowed metrics").isTrue();
      stream.body().close();

      awaitQueryable(scorer);
      JsonNode settings = get(scorer, "settings");
      assertThat(settings).hasSize(DIMS.length);
      JsonNode m0 = get(scorer, "metrics?model=m0");
      assertThat(m0).hasSize(2);
      m0.forEach(m -> assertThat(m.get("model").asText()).isEqualTo("m0"));
      // m1|L1 is the one TEXT setting: the fourth of DIMS is a pooled setting, without conditioning
      // (SyntheticData), where it used to be a second TEXT one.
      JsonNode text = get(scorer, "metrics?conditioning=text");
      assertThat(text).hasSize(1);
      text.forEach(m -> assertThat(m.get("conditioning").asText()).isEqualTo("TEXT"));
      JsonNode noise = get(scorer, "metrics?noise=0.2");
      assertThat(noise).hasSize(1);
      assertThat(noise.get(0).get("layer").asText()).isEqualTo("L2");
      assertThat(get(scorer, "metrics?layer=L1&model=m1")).hasSize(1);

      String key = data.settings.keySet().iterator().next();
      JsonNode one = get(scorer, "metrics/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
      assertThat(one.get("correct").asLong()).isEqualTo(expected.get(key).correct());
      assertThat(one.get("accuracy").asDouble())
          .isEqualTo((double) expected.get(key).correct() / expected.get(key).total());
      assertThat(one.get("noise_ceiling").asDouble()).isCloseTo(ceiling[0], within(1e-12));

      JsonNode grid = get(scorer, "grid?model=m0&conditioning=NONE");
      assertThat(grid.get("layers")).extracting(JsonNode::asText).containsExactly("L0", "L2");
      assertThat(grid.get("noise_levels")).extracting(JsonNode::asDouble).containsExactly(0.0, 0.2);
      BatchReference.Score l0 = expected.get("m0|L0|0|NONE");
      BatchReference.Score l2 = expected.get("m0|L2|0.2|NONE");
      assertThat(grid.get("accuracy").get(0).get(0).asDouble()).isEqualTo((double) l0.correct() / l0.total());
      assertThat(grid.get("accuracy").get(0).get(1).isNull()).isTrue();
      assertThat(grid.get("accuracy").get(1).get(1).asDouble()).isEqualTo((double) l2.correct() / l2.total());

      JsonNode ceilingJson = get(scorer, "ceiling");
      assertThat(ceilingJson.get("triplets").asLong()).isEqualTo(data.triplets.size());
      assertThat(ceilingJson.get("noise_ceiling").asDouble()).isCloseTo(ceiling[0], within(1e-12));
      assertThat(ceilingJson.get("noise_ceiling_loo").asDouble()).isCloseTo(ceiling[1], within(1e-12));

      HttpResponse<String> page = http.send(HttpRequest.newBuilder(scorer.baseUri()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("EventSource").doesNotContain("<script src").doesNotContain("<link");
      assertThat(status(scorer, "metrics/" + URLEncoder.encode("no|such|0|NONE", StandardCharsets.UTF_8))).isEqualTo(404);
      assertThat(status(scorer, "grid")).isEqualTo(400);

      List<DeadLetter> letters = kafka.readDeadLetters(1, Duration.ofSeconds(20));
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).getStage()).isEqualTo("deserialize");
      assertThat(letters.get(0).getOriginalValue().array()).isEqualTo(notAvro);
    }
  }

  private static boolean eventsMatch(Map<String, JsonNode> events, Map<String, BatchReference.Score> expected) {
    return expected.entrySet().stream().allMatch(e -> {
      JsonNode m = events.get(e.getKey());
      return m != null && m.get("correct").asLong() == e.getValue().correct() && m.get("total").asLong() == e.getValue().total();
    });
  }

  /** Interactive queries answer once no rebalance is in flight. */
  private void awaitQueryable(ScorerService... instances) throws InterruptedException {
    for (ScorerService instance : instances) {
      for (int i = 0; i < 100 && status(instance, "metrics") != 200; i++) {
        Thread.sleep(100);
      }
    }
  }

  private JsonNode get(ScorerService scorer, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(scorer.baseUri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /%s: %s", path, response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private int status(ScorerService scorer, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(scorer.baseUri() + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
