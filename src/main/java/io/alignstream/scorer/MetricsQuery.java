package io.alignstream.scorer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ManagementServer;
import io.alignstream.schema.AlignmentMetric;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the published metrics through Kafka Streams interactive queries. A setting lives in the
 * task of its partition, which may run in another instance: its host comes from the Streams
 * metadata ({@code application.server} of each instance) and the value from that instance's
 * REST API with {@code scope=local}, which answers from its own stores only, so a request is
 * forwarded at most once.
 */
final class MetricsQuery {

  /** Thrown when the stores are not queryable right now (starting, rebalancing, restoring). */
  static final class Unavailable extends RuntimeException {
    /** starting, rebalancing, restoring, stopping, failed; or unavailable when only a store or peer failed. */
    final String state;

    Unavailable(String message, Throwable cause) {
      this("unavailable", message, cause);
    }

    Unavailable(String state, String message, Throwable cause) {
      super(message, cause);
      this.state = state;
    }
  }

  private final KafkaStreams streams;
  private final HostInfo self;
  private final ScorerReadiness readiness;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  MetricsQuery(KafkaStreams streams, HostInfo self, ScorerReadiness readiness) {
    this.streams = streams;
    this.self = self;
    this.readiness = readiness;
  }

  /**
   * A query across instances needs every partition active somewhere: while this instance joins
   * or restores, the metadata lists only part of them (an empty list right after a restart), so
   * it answers "not now, and why" instead of a partial answer.
   */
  private void requireReady() {
    ManagementServer.Status status = readiness.status();
    if (!status.ready()) {
      throw new Unavailable(status.state(), status.reason(), null);
    }
  }

  /** Every setting's metric held by this instance's active tasks. */
  List<MetricView> localMetrics() {
    List<MetricView> metrics = new ArrayList<>();
    try (KeyValueIterator<String, AlignmentMetric> all = metricStore().all()) {
      while (all.hasNext()) {
        KeyValue<String, AlignmentMetric> entry = all.next();
        metrics.add(MetricView.of(entry.value));
      }
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("metrics are not queryable right now: " + e.getMessage(), e);
    }
    return metrics;
  }

  /** Every setting's metric across all instances, sorted by setting. */
  List<MetricView> allMetrics() {
    requireReady();
    Map<String, MetricView> bySetting = new LinkedHashMap<>();
    for (StreamsMetadata instance : streams.streamsMetadataForStore(ScorerTopology.METRICS_STORE)) {
      List<MetricView> part = instance.hostInfo().equals(self) ? localMetrics()
          : remote(instance.hostInfo(), "/metrics?scope=local", new TypeReference<List<MetricView>>() { }).orElse(List.of());
      part.forEach(m -> bySetting.put(m.setting(), m));
    }
    List<MetricView> all = new ArrayList<>(bySetting.values());
    all.sort(Comparator.comparing(MetricView::setting));
    return all;
  }

  Optional<MetricView> localMetric(String setting) {
    try {
      AlignmentMetric metric = metricStore().get(setting);
      return Optional.ofNullable(metric).map(MetricView::of);
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("metrics are not queryable right now: " + e.getMessage(), e);
    }
  }

  Optional<MetricView> metric(String setting) {
    requireReady();
    HostInfo host = activeHost(ScorerTopology.METRICS_STORE, setting);
    if (host.equals(self)) {
      return localMetric(setting);
    }
    return remote(host, "/metrics/" + URLEncoder.encode(setting, StandardCharsets.UTF_8) + "?scope=local",
        new TypeReference<MetricView>() { });
  }

  Optional<CeilingView> localCeiling() {
    try {
      ReadOnlyKeyValueStore<String, TripletSummary> store = streams.store(StoreQueryParameters.fromNameAndType(
          ScorerTopology.SUMMARY_STORE, QueryableStoreTypes.<String, TripletSummary>keyValueStore()));
      return Optional.ofNullable(store.get(ScoringProcessor.SUMMARY_KEY)).map(CeilingView::of);
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("the noise ceiling is not queryable right now: " + e.getMessage(), e);
    }
  }

  /** The triplet summary of the task owning the summary key; every task holds the same triplets. */
  Optional<CeilingView> ceiling() {
    requireReady();
    HostInfo host = activeHost(ScorerTopology.SUMMARY_STORE, ScoringProcessor.SUMMARY_KEY);
    if (host.equals(self)) {
      return localCeiling();
    }
    return remote(host, "/ceiling?scope=local", new TypeReference<CeilingView>() { });
  }

  private ReadOnlyKeyValueStore<String, AlignmentMetric> metricStore() {
    return streams.store(StoreQueryParameters.fromNameAndType(ScorerTopology.METRICS_STORE,
        QueryableStoreTypes.<String, AlignmentMetric>keyValueStore()));
  }

  private HostInfo activeHost(String store, String key) {
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(store, key, new StringSerializer());
    } catch (IllegalStateException e) {
      throw new Unavailable("the scorer is not running: " + e.getMessage(), e);
    }
    if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new Unavailable("no instance holds '" + key + "' right now (starting or rebalancing)", null);
    }
    return metadata.activeHost();
  }

  private <T> Optional<T> remote(HostInfo host, String pathAndQuery, TypeReference<T> type) {
    URI uri = URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 404) {
        return Optional.empty();
      }
      if (response.statusCode() != 200) {
        throw new Unavailable("instance " + host + " answered " + response.statusCode() + " to " + pathAndQuery + ": "
            + response.body(), null);
      }
      return Optional.of(json.readValue(response.body(), type));
    } catch (IOException e) {
      throw new Unavailable("cannot reach scorer instance " + host + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking " + host, e);
    }
  }
}
