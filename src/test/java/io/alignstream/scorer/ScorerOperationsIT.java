package io.alignstream.scorer;

import static io.alignstream.common.ManagementEndpoint.orZero;
import static io.alignstream.common.ManagementEndpoint.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ManagementEndpoint;
import io.alignstream.common.ManagementServer;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.stream.ScorerTopology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted scorer on the real broker: until it holds every partition, restored, its REST
 * answers come from its view of the published results (every setting, as last committed) or,
 * while that view is still being read, are 503 with the reason (never a partial or empty 200);
 * then from its own stores, and /ready agrees; its management port serves the store sizes,
 * embeddings scored and the Kafka Streams metrics.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScorerOperationsIT {

  private static final int[] DIMS = {5, 7, 3};
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aRestartedScorerAnswersEverySettingFromItsViewUntilRestoredThenFromItsStoresAndServesItsMeters(@TempDir Path dir)
      throws Exception {
    SyntheticData data = SyntheticData.generate(17, 30, 400, DIMS);
    List<LayerEmbedding> embeddings = data.embeddings();
    String app = "ops-" + UUID.randomUUID();
    // In-memory stores: the restarted instance restores every changelog, as after a SIGKILL under exactly-once.
    ScorerConfig config = ScorerConfig.defaults(dir)
        .withStreams(s -> s.withApplicationId(app).withInMemoryStores(true))
        .withHttp(h -> h.withPort(0))
        .withTopics(t -> t.withPartitions(3))
        .withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)));
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), SharedTestBroker.registryUrl(),
        app + ".")) {
      try (ScorerService first = ScorerService.start(kafka.cluster, config)) {
        assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
        List<Object> inputs = new ArrayList<>(data.triplets);
        inputs.addAll(embeddings);
        kafka.send(inputs);
        kafka.awaitMetrics(latest -> latest.keySet().containsAll(data.settings.keySet())
            && latest.values().stream().allMatch(m -> m.getTotal() == data.triplets.size()), Duration.ofSeconds(60));
      }

      try (ScorerService second = ScorerService.start(kafka.cluster, config);
          ManagementServer server = ManagementServer.start("127.0.0.1", 0, "scorer", app, second::status)) {
        ManagementEndpoint management = new ManagementEndpoint(server.port());
        Set<String> reasons = new LinkedHashSet<>();
        Set<String> sources = new LinkedHashSet<>();
        boolean fromStores = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!fromStores && System.nanoTime() < deadline) {
          HttpResponse<String> response = get(second.baseUri().resolve("metrics"));
          if (response.statusCode() == 503) {
            JsonNode body = json.readTree(response.body());
            reasons.add(body.get("state").asText());
            assertThat(body.get("error").asText()).isNotBlank();
            assertThat(response.headers().firstValue("Retry-After")).contains("1");
          } else {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode metrics = json.readTree(response.body());
            // every 200 is complete, whether from the view or the restored stores: never a partial list
            assertThat(metrics).as(response.body()).hasSize(data.settings.size());
            fromStores = true;
            for (JsonNode metric : metrics) {
              assertThat(metric.get("total").asLong()).isEqualTo(data.triplets.size());
              sources.add(metric.get("source").asText());
              fromStores &= metric.get("source").asText().equals("owner");
            }
          }
          Thread.sleep(20);
        }
        assertThat(reasons).isSubsetOf("starting", "rebalancing", "restoring", "unavailable");
        assertThat(sources).isSubsetOf("owner", "view");
        assertThat(fromStores).as("every setting from the restored stores within 90 s").isTrue();
        assertThat(second.status().ready()).isTrue();
        assertThat(management.get("/ready").statusCode()).isEqualTo(200);
        assertThat(management.get("/health").statusCode()).isEqualTo(200);

        String before = management.scrape();
        kafka.send(new ArrayList<>(embeddings.subList(0, 10))); // re-sent: scored again, nothing changes
        // Kafka's client meters are read when scraped and may trail the scorer's own counter by a poll
        String scrape = awaitScrape(management, s -> sum(s, "alignstream_scorer_embeddings_total", Map.of())
            - orZero(sum(before, "alignstream_scorer_embeddings_total", Map.of())) >= 10
            && orZero(sum(mainConsumer(s), "kafka_consumer_fetch_manager_records_consumed_total", Map.of())) >= 10);
        assertThat(sum(scrape, "alignstream_scorer_embeddings_total", Map.of())
            - orZero(sum(before, "alignstream_scorer_embeddings_total", Map.of()))).as(scrape).isEqualTo(10);
        String instance = app + "@" + second.baseUri().getHost() + ":" + second.httpPort();
        assertThat(sum(scrape, "alignstream_scorer_store_entries", Map.of("store", ScorerTopology.VECTORS_STORE,
            "instance", instance))).isEqualTo(embeddings.size());
        assertThat(sum(scrape, "alignstream_scorer_store_entries", Map.of("store", ScorerTopology.METRICS_STORE,
            "instance", instance))).isEqualTo(data.settings.size());
        assertThat(sum(scrape, "alignstream_scorer_ready", Map.of("instance", instance))).isEqualTo(1);
        assertThat(scrape).contains("kafka_stream_thread_");
        assertThat(sum(mainConsumer(scrape), "kafka_consumer_fetch_manager_records_consumed_total", Map.of()))
            .as("records the restarted instance's main consumer read: only the re-sent ones").isEqualTo(10);
      }
    }
  }

  /** The scrape's lines of the stream thread's main consumer (not its restore consumer). */
  private static String mainConsumer(String scrape) {
    return String.join("\n", scrape.lines().filter(l -> l.contains("StreamThread-1-consumer\"")).toList());
  }

  private String awaitScrape(ManagementEndpoint management, java.util.function.Predicate<String> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String scrape = management.scrape();
    while (!done.test(scrape) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      scrape = management.scrape();
    }
    return scrape;
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }
}
