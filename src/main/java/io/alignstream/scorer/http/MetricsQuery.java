package io.alignstream.scorer.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ErrorText;
import io.alignstream.common.ManagementServer;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsNotStartedException;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers every setting's results on every instance: from the setting's owner when it answers
 * (freshest, {@code "source": "owner"}), otherwise from this instance's {@link ResultsView} of the
 * published results ({@code "source": "view"}), so that a query answers throughout a failover.
 *
 * <p>A setting lives in one partition of the stores, owned by one instance's active task. A query
 * is forwarded to the owner's REST API with {@code scope=local&partition=P} (or read directly
 * when this instance owns it), so a request is forwarded at most once; a query across settings
 * asks each partition's owner. The owner comes from the Streams metadata, or, while this
 * instance has none (it is rebalancing or joining), from the metadata it last had. An owner
 * answers only from an active task of its own that runs (never from a copy still restoring,
 * which would hold only part of its settings), otherwise 503 with its state. When the owner does
 * not answer (dead, rebalancing, restoring, unreachable), the partition's settings come from the
 * view: what the owner last committed to the output topics, at most a commit and an emit
 * interval behind it. Only while the view itself is incomplete (this instance just started) does
 * a query answer 503. Why a view rather than the standby copies: docs/operations.md, queries
 * during a failover.
 */
public final class MetricsQuery {

  /** {@code source} of an answer read from the owner's store. */
  static final String OWNER = "owner";
  /** {@code source} of an answer read from the {@link ResultsView}. */
  static final String VIEW = "view";

  /** Thrown when the owner does not answer right now (starting, rebalancing, restoring, unreachable). */
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
  private final int partitions;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  /** The owner of each store partition ("store/partition") as the metadata last listed it. */
  private final Map<String, HostInfo> lastKnownOwners = new ConcurrentHashMap<>();
  private final ResultsView view;

  /** {@code partitions}: of the input topics, so of every store. */
  public MetricsQuery(KafkaStreams streams, HostInfo self, ScorerReadiness readiness, CeilingConfig ceilingConfig,
      int partitions) {
    this.streams = streams;
    this.self = self;
    this.readiness = readiness;
    this.ceilingConfig = ceilingConfig;
    this.partitions = partitions;
    this.view = new ResultsView(partitions);
  }

  /** The view of the published results that the {@link MetricFeed} keeps. */
  ResultsView view() {
    return view;
  }

  /** The metrics of one partition held by this instance (scope=local). */
  List<MetricView> localMetrics(int partition) {
    return local(ScorerTopology.METRICS_STORE, partition, (AlignmentMetric m) -> MetricView.of(m, OWNER));
  }

  /** Every setting's metric across all instances, sorted by setting. */
  public List<MetricView> allMetrics() {
    return all(ScorerTopology.METRICS_STORE, "/metrics", this::localMetrics, view.metrics,
        new TypeReference<List<MetricView>>() { });
  }

  Optional<MetricView> localMetric(String setting) {
    return localOne(ScorerTopology.METRICS_STORE, setting, (AlignmentMetric m) -> MetricView.of(m, OWNER));
  }

  public Optional<MetricView> metric(String setting) {
    return one(ScorerTopology.METRICS_STORE, setting, settingPath("/metrics/", setting), this::localMetric,
        new TypeReference<MetricView>() { }, view.metrics::get);
  }

  List<ProbeView> localProbes(int partition) {
    return local(ScorerTopology.PROBES_STORE, partition, (ProbeResult r) -> ProbeView.of(r, OWNER));
  }

  public List<ProbeView> allProbes() {
    return all(ScorerTopology.PROBES_STORE, "/probes", this::localProbes, view.probes,
        new TypeReference<List<ProbeView>>() { });
  }

  Optional<ProbeView> localProbe(String setting) {
    return localOne(ScorerTopology.PROBES_STORE, setting, (ProbeResult r) -> ProbeView.of(r, OWNER));
  }

  Optional<ProbeView> probe(String setting) {
    return one(ScorerTopology.PROBES_STORE, setting, settingPath("/probes/", setting), this::localProbe,
        new TypeReference<ProbeView>() { }, view.probes::get);
  }

  List<RegressionView> localRegressions(int partition) {
    return local(ScorerTopology.REGRESSIONS_STORE, partition, (RegressionResult r) -> RegressionView.of(r, OWNER));
  }

  public List<RegressionView> allRegressions() {
    return all(ScorerTopology.REGRESSIONS_STORE, "/regressions", this::localRegressions, view.regressions,
        new TypeReference<List<RegressionView>>() { });
  }

  Optional<RegressionView> localRegression(String setting) {
    return localOne(ScorerTopology.REGRESSIONS_STORE, setting, (RegressionResult r) -> RegressionView.of(r, OWNER));
  }

  Optional<RegressionView> regression(String setting) {
    return one(ScorerTopology.REGRESSIONS_STORE, setting, settingPath("/regressions/", setting),
        this::localRegression, new TypeReference<RegressionView>() { }, view.regressions::get);
  }

  Optional<CeilingView> localCeiling() {
    return localOne(ScorerTopology.SUMMARY_STORE, ScorerTopology.SUMMARY_KEY,
        (TripletSummary summary) -> ceilingConfig.resolve(summary));
  }

  /**
   * The ceiling in force, from the triplet summary of the task holding the summary key (every
   * task holds the same triplets); while that task's owner does not answer, the last one read.
   */
  public Optional<CeilingView> ceiling() {
    return one(ScorerTopology.SUMMARY_STORE, ScorerTopology.SUMMARY_KEY, "/ceiling", key -> localCeiling(),
        new TypeReference<CeilingView>() { }, key -> view.ceiling().or(() -> {
          throw notNow("the noise ceiling's owner does not answer and none has been read yet", null);
        }));
  }

  private static String settingPath(String prefix, String setting) {
    return prefix + URLEncoder.encode(setting, StandardCharsets.UTF_8);
  }

  /** Every value of one partition of a store, from this instance's copy if it is current, as views. */
  private <R, V> List<V> local(String storeName, int partition, Function<R, V> view) {
    List<V> values = new ArrayList<>();
    try (KeyValueIterator<String, R> all = this.<R>currentCopy(storeName, partition).all()) {
      while (all.hasNext()) {
        values.add(view.apply(all.next().value));
      }
    } catch (InvalidStateStoreException e) {
      throw new Unavailable(storeName + " is not queryable right now: " + e.getMessage(), e);
    }
    return values;
  }

  /** Every value of a store, sorted by setting: each partition from its owner, or from the view when the owner does not answer. */
  private <V> List<V> all(String storeName, String path, Function<Integer, List<V>> here, ResultsView.Latest<V> replica,
      TypeReference<List<V>> type) {
    Map<String, V> bySetting = new TreeMap<>();
    for (int partition = 0; partition < partitions; partition++) {
      int p = partition;
      List<V> part;
      try {
        part = fromOwner(owner(storeName, p), () -> Optional.of(here.apply(p)), path + "?scope=local&partition=" + p,
            type).orElse(List.of());
      } catch (Unavailable ownerSilent) {
        part = orView(ownerSilent, () -> replica.ofPartition(p));
      }
      part.forEach(v -> bySetting.put(replica.setting(v), v));
    }
    return new ArrayList<>(bySetting.values());
  }

  /** What the view holds, when the owner did not answer; 503 with both reasons when the view cannot answer either. */
  private static <T> T orView(Unavailable ownerSilent, Supplier<T> fromView) {
    try {
      return fromView.get();
    } catch (Unavailable viewIncomplete) {
      throw new Unavailable(viewIncomplete.state, ownerSilent.getMessage() + "; " + viewIncomplete.getMessage(),
          ownerSilent);
    }
  }

  private <R, V> Optional<V> localOne(String storeName, String key, Function<R, V> view) {
    int partition = partitionOf(key);
    try {
      return Optional.ofNullable(this.<R>currentCopy(storeName, partition).get(key)).map(view);
    } catch (InvalidStateStoreException e) {
      throw new Unavailable(storeName + " is not queryable right now: " + e.getMessage(), e);
    }
  }

  /** One key's value, from the owner of its partition, or from the view when the owner does not answer. */
  private <V> Optional<V> one(String storeName, String key, String path, Function<String, Optional<V>> here,
      TypeReference<V> type, Function<String, Optional<V>> fromView) {
    int partition = partitionOf(key);
    try {
      return fromOwner(owner(storeName, partition), () -> here.apply(key), path + "?scope=local", type);
    } catch (Unavailable ownerSilent) {
      return orView(ownerSilent, () -> fromView.apply(key));
    }
  }

  /** Asks the owner of a partition (itself or another instance); a 404 is an answer (no such value). */
  private <T> Optional<T> fromOwner(HostInfo owner, Supplier<Optional<T>> here, String pathAndQuery,
      TypeReference<T> type) {
    return owner.equals(self) ? here.get() : remote(owner, pathAndQuery, type);
  }

  /**
   * This instance's copy of one partition of a store when it answers: the active task of a
   * running instance (not rebalancing, nothing restoring). Otherwise 503 with this instance's
   * state, and the caller retries.
   */
  private <R> ReadOnlyKeyValueStore<String, R> currentCopy(String name, int partition) {
    if (!readiness.status().ready()) {
      throw notNow("this instance is not serving right now", null);
    }
    return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, R>keyValueStore())
        .withPartition(partition));
  }

  /**
   * The partition of a key: Kafka's default partitioner (murmur2 of the key's UTF-8 bytes), as
   * the producers of the input topics and Kafka Streams' own key lookup use it.
   */
  private int partitionOf(String key) {
    return partitionOf(key, partitions);
  }

  static int partitionOf(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /**
   * The instance owning a partition of a store: from the Streams metadata (the metadata of a key
   * sent to exactly that partition), or, while this instance has none (it is joining the group,
   * or rebalancing), the owner it last knew.
   */
  private HostInfo owner(String store, int partition) {
    StreamPartitioner<String, Void> exactly = (topic, key, value, count) -> Optional.of(Set.of(partition));
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(store, "", exactly);
    } catch (StreamsNotStartedException e) {
      // the metric feed asks for the ceiling from its start, which may come before the streams'
      throw new Unavailable("starting", "the scorer's streams have not started yet", e);
    } catch (IllegalStateException e) {
      throw new Unavailable("the scorer is not running: " + e.getMessage(), e);
    }
    String known = store + "/" + partition;
    if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      HostInfo last = lastKnownOwners.get(known);
      if (last == null) {
        throw notNow("no instance holds partition " + partition + " of " + store + " right now (starting or"
            + " rebalancing)", null);
      }
      return last;
    }
    lastKnownOwners.put(known, metadata.activeHost());
    return metadata.activeHost();
  }

  /** Unavailable, with this instance's state when it is not ready (what /ready says). */
  private Unavailable notNow(String message, Throwable cause) {
    ManagementServer.Status status = readiness.status();
    return new Unavailable(status.ready() ? "unavailable" : status.state(), message, cause);
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
      throw new Unavailable("cannot reach scorer instance " + host + ": " + ErrorText.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking " + host, e);
    }
  }
}
