package io.alignstream.scorer.stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * One scorer instance's meters in Micrometer's global registry: Kafka Streams' own metrics
 * (consumer lag, commit latency, RocksDB, ...) through Micrometer's binder, the entries of each
 * state store this instance holds, and whether it is ready (1) or not (0). Embeddings scored are
 * counted where they are scored ({@link ScoringProcessor}).
 */
public final class ScorerMeters implements AutoCloseable {

  private static final List<String> STORES = List.of(ScorerTopology.VECTORS_STORE, ScorerTopology.TRIPLETS_STORE,
      ScorerTopology.SETTINGS_STORE, ScorerTopology.PANES_STORE, ScorerTopology.METRICS_STORE,
      ScorerTopology.SUMMARY_STORE);

  private final MeterRegistry registry = Metrics.globalRegistry;
  private final KafkaStreamsMetrics streamsMetrics;
  private final List<Meter> meters = new ArrayList<>();

  public ScorerMeters(KafkaStreams streams, ScorerReadiness readiness, String instance) {
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    for (String store : STORES) {
      meters.add(Gauge.builder("alignstream.scorer.store.entries", () -> entries(streams, store))
          .tags("store", store, "instance", instance)
          .description("Approximate entries of a state store in this instance's active tasks (NaN while not queryable)")
          .register(registry));
    }
    meters.add(Gauge.builder("alignstream.scorer.ready", () -> readiness.status().ready() ? 1 : 0)
        .tag("instance", instance).description("1 when every partition is assigned and restored").register(registry));
  }

  private static double entries(KafkaStreams streams, String store) {
    try {
      return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()))
          .approximateNumEntries();
    } catch (InvalidStateStoreException e) {
      return Double.NaN;
    }
  }

  @Override
  public void close() {
    streamsMetrics.close();
    meters.forEach(registry::remove);
  }
}
