package io.alignstream.scorer.stream;

import io.alignstream.common.Topics;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisJobs;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The scorer as one Kafka Streams topology, read top to bottom:
 *
 * <pre>
 *  triplets ──decode──┬─ valid ── broadcast to every partition (triplets-broadcast) ─┐
 *                     └─ rejected ──────────────────────────────────────┐          │
 *  embeddings ─decode─┬─ valid ────────────────────────────── merge ◄───┼──────────┘
 *                     └─ rejected ─────────────────────────────┐  │     │
 *                                                              │  score (stores) ┬─► oooa
 *                                                              │     │           ├─► oooa-windowed
 *                                                              │     │           ├─► probes       (jobs off the
 *                                                              │     │           ├─► regressions   stream thread)
 *                                                              ▼     ▼           │
 *                                                   merge ◄──────────────────────┘ rejected
 *                                                     └─► deadletter (the one dead-letter sink)
 * </pre>
 *
 * <p>Why a broadcast topic rather than a global store. Embeddings are keyed by setting, so one
 * task holds a whole setting; every setting needs every triplet, and a triplet that arrives
 * after the embeddings must trigger scoring in every task. A GlobalKTable would make triplets
 * available but not as events: a task would never learn that a new triplet arrived, and global
 * stores are restored outside the task's transaction, so exactly_once_v2 would not tie "triplet
 * seen" to "triplet scored". Instead each valid triplet is written to an internal repartition
 * topic with as many partitions as {@code embeddings}, to ALL of them (a multicast
 * StreamPartitioner, KIP-837). Partition p of that topic and of {@code embeddings} form one
 * task, which keeps every triplet in its own changelogged store and sees each as a record, in
 * the same transaction as its state changes and outputs. The cost is one copy of the triplets
 * per partition, which is small next to the vectors.
 */
public final class ScorerTopology {

  /** Latest published metric per setting: queryable (interactive queries). */
  public static final String METRICS_STORE = "oooa-latest";
  /** Triplet count, referenced items and noise ceiling of a task: queryable, one key ({@link #SUMMARY_KEY}). */
  public static final String SUMMARY_STORE = "triplet-summary";
  /** The one key of {@link #SUMMARY_STORE}. */
  public static final String SUMMARY_KEY = "noise-ceiling";
  /** Latest published probe result per setting: queryable. */
  public static final String PROBES_STORE = "probes-latest";
  /** Latest published regression result per setting: queryable. */
  public static final String REGRESSIONS_STORE = "regressions-latest";
  /** Every setting's vectors (key {@code setting NUL item}). */
  public static final String VECTORS_STORE = "vectors";
  /** New items stored but not yet scored, with their stream time (key {@code setting NUL item}). */
  static final String PENDING_STORE = "pending";
  static final String TRIPLETS_STORE = "triplets";
  static final String SETTINGS_STORE = "settings";
  static final String PANES_STORE = "panes";
  static final String BROADCAST = "triplets-broadcast";

  private ScorerTopology() {}

  /**
   * @param registry the Avro serde configuration (schema.registry.url, ...)
   * @param partitions partitions of the {@code embeddings} topic: the broadcast topic gets as many
   * @param analyses where probe and regression jobs run, off the stream threads (one per instance)
   * @param instance names this instance in dead letters
   */
  public static Topology build(Topics topics, Map<String, ?> registry, ScorerConfig config, AnalysisJobs analyses,
      int partitions, String instance) {
    // Serdes, declared once. Inputs are consumed as bytes and decoded by the decoders, so that
    // undecodable records reach the dead-letter topic with their original bytes.
    Serde<byte[]> bytes = Serdes.ByteArray();
    Serde<String> strings = Serdes.String();
    AvroSerde<LayerEmbedding> embeddingValues = AvroSerde.configured(LayerEmbedding.class, registry, false);
    AvroSerde<TripletJudgment> tripletValues = AvroSerde.configured(TripletJudgment.class, registry, false);
    AvroSerde<AlignmentMetric> metricValues = AvroSerde.configured(AlignmentMetric.class, registry, false);
    AvroSerde<DeadLetter> deadLetterValues = AvroSerde.configured(DeadLetter.class, registry, false);
    Serde<Triplet> triplets = StateSerdes.triplet();
    Consumed<byte[], byte[]> raw = Consumed.with(bytes, bytes)
        .withTimestampExtractor(new UsePartitionTimeOnInvalidTimestamp());
    AvroSerde<ProbeResult> probeValues = AvroSerde.configured(ProbeResult.class, registry, false);
    AvroSerde<RegressionResult> regressionValues = AvroSerde.configured(RegressionResult.class, registry, false);

    java.util.function.Function<String, KeyValueBytesStoreSupplier> store = config.streams().inMemoryStores()
        ? Stores::inMemoryKeyValueStore : Stores::persistentKeyValueStore;

    StreamsBuilder builder = new StreamsBuilder();

    // State of the scoring task, all changelogged. Vectors and triplets are written once per
    // input, so a cache in front would only copy them; panes and metrics are rewritten often.
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(VECTORS_STORE),
        strings, StateSerdes.vector()).withCachingDisabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(TRIPLETS_STORE),
        strings, triplets).withCachingDisabled());
    // An item is pending from its arrival until it is scored, mostly within one commit: the
    // cache keeps such short-lived entries out of RocksDB.
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(PENDING_STORE),
        strings, Serdes.Long()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(SETTINGS_STORE),
        strings, StateSerdes.settingInfo()).withCachingDisabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(PANES_STORE),
        strings, StateSerdes.paneCounts()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(METRICS_STORE),
        strings, metricValues).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(SUMMARY_STORE),
        strings, StateSerdes.tripletSummary()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(PROBES_STORE),
        strings, probeValues).withCachingDisabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(store.apply(REGRESSIONS_STORE),
        strings, regressionValues).withCachingDisabled());

    // 1. Triplets: decode and check once, broadcast the valid ones.
    Map<String, KStream<String, ScorerInput>> decodedTriplets = builder
        .stream(topics.triplets(), raw.withName("triplets-source"))
        .process(() -> new TripletDecoder(instance, tripletValues), Named.as("decode-triplets"))
        .split(Named.as("triplets-"))
        .branch((id, input) -> input instanceof ScorerInput.Rejected, Branched.as("rejected"))
        .defaultBranch(Branched.as("valid"));
    KStream<String, ScorerInput> broadcastTriplets = decodedTriplets.get("triplets-valid")
        .mapValues(input -> ((ScorerInput.TripletInput) input).triplet(), Named.as("triplet-content"))
        .repartition(Repartitioned.with(strings, triplets)
            .withName(BROADCAST)
            .withNumberOfPartitions(partitions)
            .withStreamPartitioner(new BroadcastPartitioner<>()))
        .mapValues((id, triplet) -> (ScorerInput) new ScorerInput.TripletInput(id, triplet), Named.as("triplet-input"));

    // 2. Embeddings: decode and check.
    Map<String, KStream<String, ScorerInput>> decodedEmbeddings = builder
        .stream(topics.embeddings(), raw.withName("embeddings-source"))
        .process(() -> new EmbeddingDecoder(instance, embeddingValues, config.limits().maxVectorDim()),
            Named.as("decode-embeddings"))
        .split(Named.as("embeddings-"))
        .branch((setting, input) -> input instanceof ScorerInput.Rejected, Branched.as("rejected"))
        .defaultBranch(Branched.as("valid"));

    // 3. Score: one processor sees both embeddings and triplets of its partition.
    KStream<String, ScorerOutput> outputs = decodedEmbeddings.get("embeddings-valid")
        .merge(broadcastTriplets, Named.as("scorer-inputs"))
        .process(() -> new ScoringProcessor(config, analyses, instance), Named.as("score"),
            VECTORS_STORE, PENDING_STORE, TRIPLETS_STORE, SETTINGS_STORE, PANES_STORE, METRICS_STORE, SUMMARY_STORE,
            PROBES_STORE, REGRESSIONS_STORE);

    // 4. Route what the scorer emits.
    Map<String, KStream<String, ScorerOutput>> routed = outputs.split(Named.as("outputs-"))
        .branch((setting, out) -> out instanceof ScorerOutput.Cumulative, Branched.withConsumer(cumulative -> cumulative
            .mapValues(out -> ((ScorerOutput.Cumulative) out).metric(), Named.as("cumulative-metrics"))
            .to(topics.oooa(), Produced.with(strings, metricValues))))
        .branch((window, out) -> out instanceof ScorerOutput.Windowed, Branched.withConsumer(windowed -> windowed
            .mapValues(out -> ((ScorerOutput.Windowed) out).metric(), Named.as("windowed-metrics"))
            .to(topics.oooaWindowed(), Produced.with(strings, metricValues))))
        .branch((setting, out) -> out instanceof ScorerOutput.Probe, Branched.withConsumer(probes -> probes
            .mapValues(out -> ((ScorerOutput.Probe) out).result(), Named.as("probe-results"))
            .to(topics.probes(), Produced.with(strings, probeValues))))
        .branch((setting, out) -> out instanceof ScorerOutput.Regression, Branched.withConsumer(regressions -> regressions
            .mapValues(out -> ((ScorerOutput.Regression) out).result(), Named.as("regression-results"))
            .to(topics.regressions(), Produced.with(strings, regressionValues))))
        .defaultBranch(Branched.as("rejected"));

    // 5. One dead-letter sink for everything rejected on the way.
    decodedTriplets.get("triplets-rejected")
        .merge(decodedEmbeddings.get("embeddings-rejected"), Named.as("rejected-inputs"))
        .mapValues(input -> ((ScorerInput.Rejected) input).letter(), Named.as("input-dead-letters"))
        .merge(routed.get("outputs-rejected")
            .mapValues(out -> ((ScorerOutput.Rejected) out).letter(), Named.as("scorer-dead-letters")),
            Named.as("dead-letters"))
        .to(topics.deadletter(), Produced.with(strings, deadLetterValues));

    return builder.build();
  }
}
