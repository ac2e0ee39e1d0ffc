package io.alignstream.scorer;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The scoring task: applies embeddings and triplet changes to its {@link ScoringState}, keeps
 * the inputs in changelogged stores, and publishes metrics at most once per emit interval.
 *
 * <p>State. The stores hold only inputs: vectors (key {@code setting NUL item}), triplets, each
 * setting's first-seen dimension, the time panes of the windowed counts, and what was last
 * published. Every derived number (counts, the triplet index, the noise ceiling) lives in memory
 * and is rebuilt from the stores in {@link #init}, which Kafka Streams calls after restoring
 * them, also when it revives a task after an aborted transaction. Stores and outputs of one
 * record commit in one transaction (exactly_once_v2), so the rebuilt state is always the state
 * the committed outputs describe.
 *
 * <p>Publishing. Changes only mark settings dirty; a wall-clock punctuation every emit interval
 * publishes the dirty ones, so a setting's metric goes out at most once per interval and the
 * last change always goes out at the next tick. The published value is also kept in the
 * queryable {@code oooa-latest} store, written in the same transaction as the output record.
 * After a restart every setting is re-checked against that store, so an update that was
 * committed but not yet published before a crash still goes out, and nothing unchanged is
 * published twice.
 */
final class ScoringProcessor implements Processor<String, ScorerInput, String, ScorerOutput> {

  static final String SUMMARY_KEY = "noise-ceiling";
  private static final char ITEM_SEPARATOR = '\0';

  private final Similarity similarity;
  private final long cacheBudgetFloats;
  private final HoppingPanes panes;
  private final Duration emitInterval;
  private final String instance;

  private ProcessorContext<String, ScorerOutput> context;
  private KeyValueStore<String, float[]> vectorStore;
  private KeyValueStore<String, Triplet> tripletStore;
  private KeyValueStore<String, SettingInfo> settingStore;
  private KeyValueStore<String, PaneCounts> paneStore;
  private KeyValueStore<String, AlignmentMetric> metricStore;
  private KeyValueStore<String, TripletSummary> summaryStore;

  private ScoringState state;
  /** Mirror of the pane store: setting -> pane start -> counts. */
  private Map<String, TreeMap<Long, PaneCounts>> paneCounts;
  private Map<String, Set<Long>> dirtyPanes;
  private Set<String> dirtySettings;
  private boolean allSettingsDirty;
  private boolean tripletsChanged;
  /** Stream time of the last triplet change: it moves every setting's coverage and ceiling. */
  private long lastTripletChange;
  private long streamTime;

  ScoringProcessor(Similarity similarity, long cacheBudgetFloats, HoppingPanes panes, Duration emitInterval,
      String instance) {
    this.similarity = similarity;
    this.cacheBudgetFloats = cacheBudgetFloats;
    this.panes = panes;
    this.emitInterval = emitInterval;
    this.instance = instance;
  }

  @Override
  public void init(ProcessorContext<String, ScorerOutput> context) {
    this.context = context;
    vectorStore = context.getStateStore(ScorerTopology.VECTORS_STORE);
    tripletStore = context.getStateStore(ScorerTopology.TRIPLETS_STORE);
    settingStore = context.getStateStore(ScorerTopology.SETTINGS_STORE);
    paneStore = context.getStateStore(ScorerTopology.PANES_STORE);
    metricStore = context.getStateStore(ScorerTopology.METRICS_STORE);
    summaryStore = context.getStateStore(ScorerTopology.SUMMARY_STORE);
    rebuildFromStores();
    context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> publish());
  }

  private void rebuildFromStores() {
    state = new ScoringState(similarity, cacheBudgetFloats, new StoredVectors());
    paneCounts = new HashMap<>();
    dirtyPanes = new HashMap<>();
    dirtySettings = new HashSet<>();
    lastTripletChange = -1;
    streamTime = -1;
    try (KeyValueIterator<String, Triplet> all = tripletStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, Triplet> entry = all.next();
        state.putTriplet(entry.key, entry.value.itemArray(), entry.value.oddPosition(), ScoringState.IGNORE);
      }
    }
    try (KeyValueIterator<String, SettingInfo> all = settingStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, SettingInfo> entry = all.next();
        state.restoreSetting(entry.key, entry.value.setting(), entry.value.dim());
      }
    }
    try (KeyValueIterator<String, AlignmentMetric> all = metricStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, AlignmentMetric> entry = all.next();
        SettingState setting = state.setting(entry.key);
        if (setting != null) {
          setting.lastChange = entry.value.getUpdatedAt().toEpochMilli();
        }
      }
    }
    try (KeyValueIterator<String, PaneCounts> all = paneStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, PaneCounts> entry = all.next();
        int at = entry.key.lastIndexOf('@');
        String setting = entry.key.substring(0, at);
        long start = Long.parseLong(entry.key.substring(at + 1));
        paneCounts.computeIfAbsent(setting, s -> new TreeMap<>()).put(start, entry.value);
        dirtyPanes.computeIfAbsent(setting, s -> new TreeSet<>()).add(start);
      }
    }
    allSettingsDirty = true;
    tripletsChanged = true;
  }

  @Override
  public void process(Record<String, ScorerInput> record) {
    streamTime = context.currentStreamTimeMs();
    ScorerInput input = record.value();
    if (input instanceof ScorerInput.EmbeddingInput embedding) {
      applyEmbedding(embedding, record.timestamp());
    } else if (input instanceof ScorerInput.TripletInput triplet) {
      applyTriplet(triplet);
    } else if (input instanceof ScorerInput.Rejected rejected) {
      context.forward(new Record<>(record.key(), new ScorerOutput.Rejected(rejected.letter()), record.timestamp()));
    }
  }

  private void applyEmbedding(ScorerInput.EmbeddingInput embedding, long timestamp) {
    Metrics.counter("alignstream.scorer.embeddings").increment(); // scraped as embeddings scored per second
    SettingState known = state.setting(embedding.settingKey());
    ScoringState.EmbeddingResult result = state.putEmbedding(embedding.settingKey(), embedding.setting(),
        embedding.item(), embedding.vector(), this::recordScored);
    switch (result) {
      case DIMENSION_MISMATCH -> {
        DeadLetter letter = InputDecoder.deadLetter(context, instance, embedding.originalKey(),
            embedding.originalValue(), EmbeddingDecoder.STAGE, "vector of item '" + embedding.item() + "' has dimension "
                + embedding.vector().length + " but setting '" + embedding.settingKey() + "' has dimension "
                + known.dim + " (fixed by its first embedding)", null);
        context.forward(new Record<>(embedding.settingKey(), new ScorerOutput.Rejected(letter), timestamp));
      }
      case UNCHANGED -> { }
      case ADDED, CHANGED -> {
        if (known == null) {
          settingStore.put(embedding.settingKey(), new SettingInfo(embedding.setting(), embedding.vector().length));
        }
        vectorStore.put(vectorKey(embedding.settingKey(), embedding.item()), embedding.vector());
        markChanged(state.setting(embedding.settingKey()));
      }
      default -> throw new IllegalStateException("unexpected " + result);
    }
  }

  private void applyTriplet(ScorerInput.TripletInput input) {
    ScoringState.TripletResult result;
    if (input.triplet() == null) {
      result = state.removeTriplet(input.id());
      if (result == ScoringState.TripletResult.REMOVED) {
        tripletStore.delete(input.id());
      }
    } else {
      result = state.putTriplet(input.id(), input.triplet().itemArray(), input.triplet().oddPosition(), this::recordScored);
      if (result != ScoringState.TripletResult.UNCHANGED) {
        tripletStore.put(input.id(), input.triplet());
      }
    }
    if (result != ScoringState.TripletResult.UNCHANGED && result != ScoringState.TripletResult.UNKNOWN) {
      tripletsChanged = true;
      allSettingsDirty = true;
      lastTripletChange = streamTime;
    }
  }

  /** Evaluations happened now (stream time): they land in the current time pane. */
  private void recordScored(SettingState setting, int evaluations, int correct) {
    long pane = panes.paneStart(Math.max(0, streamTime));
    PaneCounts counts = paneCounts.computeIfAbsent(setting.key, s -> new TreeMap<>())
        .merge(pane, new PaneCounts(correct, evaluations), (a, b) -> a.plus(b.correct(), b.total()));
    paneStore.put(paneKey(setting.key, pane), counts);
    dirtyPanes.computeIfAbsent(setting.key, s -> new TreeSet<>()).add(pane);
    markChanged(setting);
  }

  private void markChanged(SettingState setting) {
    setting.lastChange = streamTime;
    dirtySettings.add(setting.key);
  }

  // ---------------------------------------------------------------- publishing

  private void publish() {
    if (tripletsChanged) {
      TripletSummary summary = TripletSummary.of(state);
      if (!summary.equals(summaryStore.get(SUMMARY_KEY))) {
        summaryStore.put(SUMMARY_KEY, summary);
      }
      tripletsChanged = false;
    }
    List<String> settings = new ArrayList<>();
    if (allSettingsDirty) {
      state.settings().forEach(s -> settings.add(s.key));
    } else {
      settings.addAll(dirtySettings);
    }
    long outputTime = streamTime >= 0 ? streamTime : context.currentSystemTimeMs();
    for (String key : settings) {
      SettingState setting = state.ready(key);
      AlignmentMetric metric = AlignmentMetrics.of(setting.setting, setting.correct, setting.total, metricContext(setting),
          Math.max(setting.lastChange, lastTripletChange), null, null);
      if (!metric.equals(metricStore.get(key))) {
        metricStore.put(key, metric);
        context.forward(new Record<>(key, new ScorerOutput.Cumulative(metric), outputTime));
      }
    }
    allSettingsDirty = false;
    dirtySettings.clear();
    publishWindows(outputTime);
    expirePanes();
  }

  private void publishWindows(long outputTime) {
    for (Map.Entry<String, Set<Long>> entry : dirtyPanes.entrySet()) {
      String key = entry.getKey();
      SettingState setting = state.ready(key);
      if (setting == null) {
        continue; // panes of a setting this task no longer knows cannot occur; be defensive
      }
      TreeMap<Long, PaneCounts> counts = paneCounts.getOrDefault(key, new TreeMap<>());
      Set<Long> windows = new TreeSet<>();
      for (long pane : entry.getValue()) {
        for (long w = panes.firstWindowOf(pane); w <= panes.lastWindowOf(pane); w += panes.advanceMs()) {
          windows.add(w);
        }
      }
      AlignmentMetrics.Context metricContext = metricContext(setting);
      for (long start : windows) {
        long end = start + panes.sizeMs();
        long correct = 0;
        long total = 0;
        for (PaneCounts pane : counts.subMap(start, true, end, false).values()) {
          correct += pane.correct();
          total += pane.total();
        }
        long updated = Math.min(Math.max(streamTime, 0), end - 1);
        AlignmentMetric metric = AlignmentMetrics.of(setting.setting, correct, total, metricContext, updated, start, end);
        context.forward(new Record<>(key + "@" + start, new ScorerOutput.Windowed(metric), outputTime));
      }
    }
    dirtyPanes.clear();
  }

  /** Drops panes no future evaluation can reach (stream time only moves forward). */
  private void expirePanes() {
    if (streamTime < 0) {
      return;
    }
    for (Iterator<Map.Entry<String, TreeMap<Long, PaneCounts>>> settings = paneCounts.entrySet().iterator();
        settings.hasNext(); ) {
      Map.Entry<String, TreeMap<Long, PaneCounts>> entry = settings.next();
      for (Iterator<Long> starts = entry.getValue().keySet().iterator(); starts.hasNext(); ) {
        long start = starts.next();
        if (!panes.isClosed(start, streamTime)) {
          break; // ascending: the rest are newer
        }
        paneStore.delete(paneKey(entry.getKey(), start));
        starts.remove();
      }
      if (entry.getValue().isEmpty()) {
        settings.remove();
      }
    }
  }

  private AlignmentMetrics.Context metricContext(SettingState setting) {
    return new AlignmentMetrics.Context(setting.embeddedCount, state.embeddedAndReferenced(setting),
        state.referencedItems(), state.ceiling(), state.leaveOneOutCeiling());
  }

  static String vectorKey(String setting, String item) {
    return setting + ITEM_SEPARATOR + item;
  }

  static String paneKey(String setting, long paneStart) {
    return setting + "@" + paneStart;
  }

  /** Reads a setting's vectors back from the vector store (after a restart or a cache eviction). */
  private final class StoredVectors implements ScoringState.VectorSource {
    private final StringSerializer prefixSerializer = new StringSerializer();

    @Override
    public void forEach(String setting, java.util.function.BiConsumer<String, float[]> sink) {
      String prefix = setting + ITEM_SEPARATOR;
      try (KeyValueIterator<String, float[]> all = vectorStore.prefixScan(prefix, prefixSerializer)) {
        while (all.hasNext()) {
          KeyValue<String, float[]> entry = all.next();
          sink.accept(entry.key.substring(prefix.length()), entry.value);
        }
      }
    }

    @Override
    public float[] vector(String setting, String item) {
      return vectorStore.get(vectorKey(setting, item));
    }
  }
}
