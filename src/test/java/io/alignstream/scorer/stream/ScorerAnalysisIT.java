package io.alignstream.scorer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.local.EmbeddedKafkaBroker;
import io.alignstream.local.EmbeddedSchemaRegistry;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.BrokerFixture;
import io.alignstream.scorer.ScorerService;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.analysis.LinearProbe;
import io.alignstream.scorer.analysis.ProbeReport;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.jobs.HumanTargets;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes and regressions streamed by the scorer on the real embedded broker (exactly_once_v2):
 * a scorer stopped before its jobs published loses no result (the restarted one computes and
 * publishes it), one restarted after they published publishes nothing again, the values are
 * what the engines compute from the inputs in canonical order whatever order they arrived in,
 * and REST and SSE serve them.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ScorerAnalysisIT {

  private static final int[] DIMS = {6, 5};
  private static final Duration QUIET = Duration.ofSeconds(1);
  private static EmbeddedKafkaBroker broker;
  private static EmbeddedSchemaRegistry registry;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(null, 0);
    registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers()).withPort(0));
  }

  @AfterAll
  static void stopBroker() {
    registry.close();
    broker.close();
  }

  private static ScorerConfig config(Path stateDir, String app, HumanTargets targets, Duration quiet) {
    return ScorerConfig.defaults(stateDir)
        .withStreams(s -> s.withApplicationId(app))
        .withHttp(h -> h.withPort(0))
        .withNewTopics(t -> t.withPartitions(2))
        .withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)))
        .withAnalysis(AnalysisConfig.defaults().withProbe(ScorerAnalysisTest.PROBE).withQuiet(quiet)
            .withTargets(targets));
  }

  @Test
  void aRestartNeitherLosesAResultNorPublishesOneTwice(@TempDir Path dir) throws Exception {
    SyntheticData data = SyntheticData.generate(61, 36, 1400, DIMS);
    HumanTargets targets = ScorerAnalysisTest.targets(data);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    Collections.shuffle(inputs, new Random(61));
    String app = "analysis-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(broker.bootstrapServers(), registry.url(), app + ".")) {
      AvroSerde<ProbeResult> probes = AvroSerde.configured(ProbeResult.class, kafka.cluster.serdeProperties(), false);
      AvroSerde<RegressionResult> regressions =
          AvroSerde.configured(RegressionResult.class, kafka.cluster.serdeProperties(), false);

      // 1. Stopped once every triplet is scored, with jobs that wait for an hour of quiet: the
      //    stand-in for a crash before any job published.
      try (ScorerService first = ScorerService.start(kafka.cluster,
          config(dir.resolve("a"), app, targets, Duration.ofHours(1)))) {
        assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
        kafka.send(inputs);
        kafka.awaitMetrics(l -> complete(l, data), Duration.ofSeconds(90));
      }
      assertThat(kafka.readAll(kafka.topics.probes(), Duration.ofSeconds(1))).isEmpty();

      // 2. Restarted on a fresh state directory (restored from the changelogs): every result comes.
      Map<String, ProbeResult> published = new HashMap<>();
      try (ScorerService second = ScorerService.start(kafka.cluster, config(dir.resolve("b"), app, targets, QUIET))) {
        assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
        BlockingQueue<String> events = subscribe(second);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (published.size() < DIMS.length && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, byte[]> r : kafka.readAll(kafka.topics.probes(), Duration.ofSeconds(1))) {
            published.put(r.key(), probes.deserialize(r.topic(), r.value()));
          }
        }
        assertThat(published).containsOnlyKeys(data.settings.keySet());
        for (String key : data.settings.keySet()) {
          AnalysisReference reference = AnalysisReference.of(data, key);
          ProbeReport expected = LinearProbe.run(reference.features(), reference.triplets(), ScorerAnalysisTest.PROBE);
          ProbeResult probe = published.get(key);
          assertThat(probe.getMeanAccuracy()).as(key).isEqualTo(expected.meanProbeAccuracy());
          assertThat(probe.getMeanZeroShotAccuracy()).as(key).isEqualTo(expected.meanZeroShotAccuracy());
          assertThat(probe.getTriplets()).isEqualTo(data.triplets.size());
        }
        String key = data.settings.keySet().iterator().next();
        assertThat(awaitEvent(events, "probe", key)).isNotNull();
        assertServed(second, key, published.get(key), data);
      }

      // 3. Restarted after publishing: the same inputs, nothing published again.
      try (ScorerService third = ScorerService.start(kafka.cluster, config(dir.resolve("a"), app, targets, QUIET))) {
        assertThat(third.awaitRunning(Duration.ofSeconds(60))).isTrue();
        Thread.sleep(3000); // several emit intervals and the quiet time: due settings would be submitted
        for (int i = 0; i < 100 && third.analysesPending() > 0; i++) {
          Thread.sleep(100);
        }
        Thread.sleep(1000);
        List<ConsumerRecord<String, byte[]>> all = kafka.readAll(kafka.topics.probes(), Duration.ofSeconds(1));
        assertThat(all).hasSize(DIMS.length);
        assertThat(kafka.readAll(kafka.topics.regressions(), Duration.ofSeconds(1))).hasSize(DIMS.length)
            .allSatisfy(r -> assertThat(regressions.deserialize(r.topic(), r.value()).getDimensions()).hasSize(3));
        assertThat(third.probes()).hasSize(DIMS.length);
      }
    }
  }

  private static boolean complete(Map<String, AlignmentMetric> latest, SyntheticData data) {
    return data.settings.keySet().stream().allMatch(k -> latest.containsKey(k)
        && latest.get(k).getTotal() == data.triplets.size() && latest.get(k).getCoverage() == 1.0);
  }

  /** REST: the lists, one setting, 404 for an unknown one, the ceiling object. */
  private void assertServed(ScorerService scorer, String key, ProbeResult probe, SyntheticData data) throws Exception {
    JsonNode one = get(scorer, "probes/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
    assertThat(one.get("setting").asText()).isEqualTo(key);
    assertThat(one.get("mean_probe_accuracy").asDouble()).isEqualTo(probe.getMeanAccuracy());
    assertThat(one.get("lambda").asDouble()).isEqualTo(probe.getLambda());
    assertThat(one.get("folds")).hasSize(3);
    assertThat(one.get("folds").get(0).get("test_triplets").asLong())
        .isEqualTo(probe.getFoldResults().get(0).getTestTriplets());
    assertThat(get(scorer, "probes")).hasSize(DIMS.length);
    JsonNode regression = get(scorer, "regressions/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
    assertThat(regression.get("dimensions")).hasSize(3);
    assertThat(regression.get("dimensions").get(2).get("label").asText()).isEqualTo("soft");
    assertThat(regression.has("mean_r2") && regression.has("predicted_oooa")).isTrue();
    assertThat(get(scorer, "regressions")).hasSize(DIMS.length);
    assertThat(status(scorer, "probes/" + URLEncoder.encode("no|such|0|NONE", StandardCharsets.UTF_8))).isEqualTo(404);
    JsonNode ceiling = get(scorer, "ceiling");
    assertThat(ceiling.get("repeated_triplets").asLong()).isEqualTo(BatchReference.repeatedGroups(data.triplets));
    assertThat(ceiling.get("responses").isNumber()).isTrue();
    assertThat(ceiling.has("ci_low") && ceiling.has("ci_high") && ceiling.has("source")).isTrue();
  }

  private BlockingQueue<String> subscribe(ScorerService scorer) throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(scorer.baseUri().resolve("events")).build(),
        HttpResponse.BodyHandlers.ofLines());
    Thread reader = new Thread(() -> {
      try {
        stream.body().forEach(lines::add);
      } catch (java.io.UncheckedIOException closed) {
        // the scorer stopped: the stream ends
      }
    });
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** The data of the first {@code name} event about {@code setting}, or null. */
  private JsonNode awaitEvent(BlockingQueue<String> lines, String name, String setting) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String event = null;
    while (System.nanoTime() < deadline) {
      String line = lines.poll(500, TimeUnit.MILLISECONDS);
      if (line == null) {
        continue;
      }
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ") && name.equals(event)) {
        JsonNode data = json.readTree(line.substring(6));
        if (setting.equals(data.get("setting").asText())) {
          return data;
        }
      }
    }
    return null;
  }

  private JsonNode get(ScorerService scorer, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(scorer.baseUri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /%s: %s", path, response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private int status(ScorerService scorer, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(scorer.baseUri() + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
