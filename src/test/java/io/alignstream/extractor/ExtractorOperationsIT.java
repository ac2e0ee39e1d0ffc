package io.alignstream.extractor;

import static io.alignstream.common.ManagementEndpoint.orZero;
import static io.alignstream.common.ManagementEndpoint.sum;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ManagementEndpoint;
import io.alignstream.common.ManagementServer;
import io.alignstream.schema.ExtractionRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An extractor's management port on the real broker, as Prometheus and docker-compose use it:
 * every figure scraped is compared with what the test sent and the service counted.
 */
class ExtractorOperationsIT {

  private static final String MODEL = "pixels-ops";

  @Test
  void scrapeHealthAndReadyOfAWorkingExtractor() throws Exception {
    ClusterConfig cluster = ExtractorTopics.freshCluster("ops", 2);
    List<ExtractionRequest> requests = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      requests.add(ExtractorServiceIT.request("item" + i, ExtractorServiceIT.png(0x102030 * (i + 1)), List.of(0.0)));
    }
    requests.add(ExtractorServiceIT.request("corrupt0", new byte[] {1, 2, 3}, List.of(0.0)));
    requests.add(ExtractorServiceIT.request("corrupt1", new byte[] {(byte) 0x89, 'P', 'N', 'G'}, List.of(0.0)));

    ExtractorOptions options = new ExtractorOptions("ops-a", 4, Duration.ofMillis(100), Duration.ofMinutes(1));
    try (ExtractorService service = new ExtractorService(cluster, new PixelBaseline(MODEL, 4), options);
        ManagementServer server = ManagementServer.start("127.0.0.1", 0, "extractor", "ops-a",
            () -> ExtractCommand.status(service))) {
      ManagementEndpoint endpoint = new ManagementEndpoint(server.port());
      double lettersBefore = orZero(sum(endpoint.scrape(), "alignstream_dead_letters_total",
          Map.of("service", "extractor", "stage", "decode-image")));
      ExtractorTopics.send(cluster, requests);
      service.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((service.imagesExtracted() < 6 || service.deadLetters() < 2) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(service.imagesExtracted()).isEqualTo(6);

      String scrape = endpoint.scrape();
      Map<String, String> mine = Map.of("model", MODEL, "instance", "ops-a");
      assertThat(sum(scrape, "alignstream_extractor_images_total", mine)).as(scrape).isEqualTo(6);
      assertThat(sum(scrape, "alignstream_extractor_batch_size_images_sum", mine)).isEqualTo(requests.size());
      double batches = sum(scrape, "alignstream_extractor_batch_seconds_count", mine);
      assertThat(batches).isGreaterThanOrEqualTo(2).isEqualTo(sum(scrape, "alignstream_extractor_batch_size_images_count", mine));
      assertThat(sum(scrape, "alignstream_extractor_batch_seconds_sum", mine)).isPositive();
      double inStages = 0; // the three stages of every batch, which together fit inside its latency
      for (String stage : List.of("read", "extract", "commit")) {
        Map<String, String> tags = Map.of("model", MODEL, "instance", "ops-a", "stage", stage);
        assertThat(sum(scrape, "alignstream_extractor_stage_seconds_count", tags)).as(stage).isEqualTo(batches);
        inStages += sum(scrape, "alignstream_extractor_stage_seconds_sum", tags);
      }
      assertThat(inStages).isPositive()
          .isLessThanOrEqualTo(sum(scrape, "alignstream_extractor_batch_seconds_sum", mine) + 1e-6);
      assertThat(sum(scrape, "alignstream_extractor_queue_depth", mine)).isZero();
      assertThat(sum(scrape, "alignstream_dead_letters_total", Map.of("service", "extractor", "stage", "decode-image"))
          - lettersBefore).isEqualTo(2);
      // The Kafka clients' own metrics, per model: every request consumed, the consumer lag reported.
      assertThat(sum(scrape, "kafka_consumer_fetch_manager_records_consumed_total", mine))
          .isGreaterThanOrEqualTo(requests.size());
      assertThat(sum(scrape, "kafka_consumer_fetch_manager_records_lag_max", mine)).isNotNaN();
      assertThat(sum(scrape, "kafka_producer_record_send_total", mine)).isGreaterThanOrEqualTo(6 * 2 + 2);
      assertThat(sum(scrape, "jvm_memory_used_bytes", Map.of("area", "heap"))).isPositive();
      assertThat(sum(scrape, "process_resident_memory_bytes", Map.of()))
          .isGreaterThan(sum(scrape, "jvm_memory_used_bytes", Map.of("area", "heap")) / 4);

      HttpResponse<String> health = endpoint.get("/health");
      HttpResponse<String> ready = endpoint.get("/ready");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"UP\"");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(endpoint.get("/metrics").statusCode()).isEqualTo(404);
      assertThat(ProgressLine.line(service, 6, 6, Duration.ofSeconds(10)))
          .isEqualTo("extractor ops-a [pixels-ops]: 6 images (+6, 0.6/s), 2 dead letters, 0 requests waiting");
    }
  }
}
