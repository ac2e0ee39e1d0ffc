package io.alignstream.scorer.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ManagementServer;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.ceiling.CeilingView;
import io.alignstream.scorer.ceiling.TripletSummary;
import io.alignstream.scorer.stream.ScorerReadiness;
import io.alignstream.scorer.stream.ScorerTopology;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
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
public final class MetricsQuery {

  /** Thrown when the stores are not queryable right now (starting, rebalancing, restoring). */
  public static final class Unavailable extends RuntimeException {
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
  private final CeilingConfig ceilingConfig;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  public MetricsQuery(KafkaStreams streams, HostInfo self, ScorerReadiness readiness, CeilingConfig ceilingConfig) {
    this.streams = streams;
    this.self = self;
    this.readiness = readiness;
    this.ceilingConfig = ceilingConfig;
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
    return local(ScorerTopology.METRICS_STORE, MetricView::of);
  }

  /** Every setting's metric across all instances, sorted by setting. */
  public List<MetricView> allMetrics() {
    return all(ScorerTopology.METRICS_STORE, "/metrics?scope=local", this::localMetrics, MetricView::setting,
        new TypeReference<List<MetricView>>() { });
  }

  Optional<MetricView> localMetric(String setting) {
    return localOne(ScorerTopology.METRICS_STORE, setting, MetricView::of);
  }

  public Optional<MetricView> metric(String setting) {
    return one(ScorerTopology.METRICS_STORE, setting, "/metrics/", this::localMetric, new TypeReference<MetricView>() { });
  }

  List<ProbeView> localProbes() {
    return local(ScorerTopology.PROBES_STORE, ProbeView::of);
  }

  public List<ProbeView> allProbes() {
    return all(ScorerTopology.PROBES_STORE, "/probes?scope=local", this::localProbes, ProbeView::setting,
        new TypeReference<List<ProbeView>>() { });
  }

  Optional<ProbeView> localProbe(String setting) {
    return localOne(ScorerTopology.PROBES_STORE, setting, ProbeView::of);
  }

  Optional<ProbeView> probe(String setting) {
    return one(ScorerTopology.PROBES_STORE, setting, "/probes/", this::localProbe, new TypeReference<ProbeView>() { });
  }

  List<RegressionView> localRegressions() {
    return local(ScorerTopology.REGRESSIONS_STORE, RegressionView::of);
  }

  public List<RegressionView> allRegressions() {
    return all(ScorerTopology.REGRESSIONS_STORE, "/regressions?scope=local", this::localRegressions,
        RegressionView::setting, new TypeReference<List<RegressionView>>() { });
  }

  Optional<RegressionView> localRegression(String setting) {
    return localOne(ScorerTopology.REGRESSIONS_STORE, setting, RegressionView::of);
  }

  Optional<RegressionView> regression(String setting) {
    return one(ScorerTopology.REGRESSIONS_STORE, setting, "/regressions/", this::localRegression,
        new TypeReference<RegressionView>() { });
  }

  Optional<CeilingView> localCeiling() {
    return localOne(ScorerTopology.SUMMARY_STORE, ScorerTopology.SUMMARY_KEY,
        (TripletSummary summary) -> ceilingConfig.resolve(summary));
  }

  /** The ceiling in force, from the triplet summary of the task owning the summary key (every task holds the same triplets). */
  public Optional<CeilingView> ceiling() {
    requireReady();
    HostInfo host = activeHost(ScorerTopology.SUMMARY_STORE, ScorerTopology.SUMMARY_KEY);
    if (host.equals(self)) {
      return localCeiling();
    }
    return remote(host, "/ceiling?scope=local", new TypeReference<CeilingView>() { });
  }

  /** Every value of a store of this instance's active tasks, as views. */
  private <R, V> List<V> local(String storeName, Function<R, V> view) {
    List<V> values = new ArrayList<>();
    try (KeyValueIterator<String, R> all = this.<R>store(storeName).all()) {
      while (all.hasNext()) {
        values.add(view.apply(all.next().value));
      }
    } catch (InvalidStateStoreException e) {
      throw new Unavailable(storeName + " is not queryable right now: " + e.getMessage(), e);
    }
    return values;
  }

  /** Every value of a store across all instances (the others asked with scope=local), sorted by setting. */
  private <V> List<V> all(String storeName, String localPath, Supplier<List<V>> here, Function<V, String> setting,
      TypeReference<List<V>> type) {
    requireReady();
    Map<String, V> bySetting = new TreeMap<>();
    for (StreamsMetadata instance : streams.streamsMetadataForStore(storeName)) {
      List<V> part = instance.hostInfo().equals(self) ? here.get()
          : remote(instance.hostInfo(), localPath, type).orElse(List.of());
      part.forEach(v -> bySetting.put(setting.apply(v), v));
    }
    return new ArrayList<>(bySetting.values());
  }

  private <R, V> Optional<V> localOne(String storeName, String key, Function<R, V> view) {
    try {
      return Optional.ofNullable(this.<R>store(storeName).get(key)).map(view);
    } catch (InvalidStateStoreException e) {
      throw new Unavailable(storeName + " is not queryable right now: " + e.getMessage(), e);
    }
  }

  /** One setting's value, from whichever instance holds it. */
  private <V> Optional<V> one(String storeName, String setting, String path, Function<String, Optional<V>> here,
      TypeReference<V> type) {
    requireReady();
    HostInfo host = activeHost(storeName, setting);
    if (host.equals(self)) {
      return here.apply(setting);
    }
    return remote(host, path + URLEncoder.encode(setting, StandardCharsets.UTF_8) + "?scope=local", type);
  }

  private <R> ReadOnlyKeyValueStore<String, R> store(String name) {
    return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, R>keyValueStore()));
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
