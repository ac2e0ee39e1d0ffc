package io.alignstream.scorer.stream;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.ceiling.TripletSummary;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.jobs.AnalysisJobs;
import io.alignstream.scorer.jobs.AnalysisResults;
import io.alignstream.scorer.jobs.AnalysisSchedule;
import io.alignstream.scorer.state.AlignmentMetrics;
import io.alignstream.scorer.state.AnalysisInputs;
import io.alignstream.scorer.state.ScoringState;
import io.alignstream.scorer.state.SettingState;
import io.alignstream.scorer.state.Similarity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
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
 *
 * <p>Probes and regressions. At each tick, a setting whose inputs changed is checked against
 * {@link AnalysisConfig}'s coverage rule; a due setting's inputs are copied
 * ({@link AnalysisInputs}) and handed to the instance's {@link AnalysisJobs}, which computes off
 * the stream thread and puts the result in this task's inbox; the next tick publishes it and
 * keeps it in the {@code probes-latest} / {@code regressions-latest} store, in one transaction.
 * The engines are deterministic and the inputs canonical, so a result is a function of its
 * inputs' digest. A job lost in a crash is not lost as a result: after a restart each setting's
 * inputs are compared with the digest of its last published result and a due setting is
 * analysed again, while one already published for the same inputs is not published again.
 */
final class ScoringProcessor implements Processor<String, ScorerInput, String, ScorerOutput> {

  private static final char ITEM_SEPARATOR = '\0';

  /** Stream-thread time one tick may spend copying inputs for analysis jobs; the rest waits for the next tick. */
  private static final long ANALYSIS_BUDGET_NANOS = 100_000_000L;

  private final Similarity similarity;
  private final long cacheBudgetFloats;
  private final HoppingPanes panes;
  private final Duration emitInterval;
  private final CeilingConfig ceilingConfig;
  private final AnalysisConfig analysis;
  private final AnalysisJobs jobs;
  private final String instance;
  /** Scraped as embeddings scored per second; looked up once, not per record. */
  private final Counter embeddingsScored = Metrics.counter("alignstream.scorer.embeddings");

  private ProcessorContext<String, ScorerOutput> context;
  private KeyValueStore<String, float[]> vectorStore;
  private KeyValueStore<String, Long> pendingStore;
  private KeyValueStore<String, Triplet> tripletStore;
  private KeyValueStore<String, SettingInfo> settingStore;
  private KeyValueStore<String, PaneCounts> paneStore;
  private KeyValueStore<String, AlignmentMetric> metricStore;
  private KeyValueStore<String, TripletSummary> summaryStore;
  private KeyValueStore<String, ProbeResult> probeStore;
  private KeyValueStore<String, RegressionResult> regressionStore;

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
  /** Finished analysis results of this task's jobs, filled by the job threads, drained at each tick. */
  private ConcurrentLinkedQueue<ScorerOutput> inbox;
  /** Set when this task closes: its running jobs stop (their results would go nowhere). */
  private AtomicBoolean closed;
  private AnalysisSchedule probes;
  private AnalysisSchedule regressions;

  ScoringProcessor(ScorerConfig config, AnalysisJobs jobs, String instance) {
    this.similarity = config.similarity();
    this.cacheBudgetFloats = config.limits().cacheBudgetFloats();
    this.panes = HoppingPanes.of(config.windows());
    this.emitInterval = config.windows().emitInterval();
    this.ceilingConfig = config.ceiling();
    this.analysis = config.analysis();
    this.jobs = jobs;
    this.instance = instance;
  }

  @Override
  public void init(ProcessorContext<String, ScorerOutput> context) {
    this.context = context;
    vectorStore = context.getStateStore(ScorerTopology.VECTORS_STORE);
    pendingStore = context.getStateStore(ScorerTopology.PENDING_STORE);
    tripletStore = context.getStateStore(ScorerTopology.TRIPLETS_STORE);
    settingStore = context.getStateStore(ScorerTopology.SETTINGS_STORE);
    paneStore = context.getStateStore(ScorerTopology.PANES_STORE);
    metricStore = context.getStateStore(ScorerTopology.METRICS_STORE);
    summaryStore = context.getStateStore(ScorerTopology.SUMMARY_STORE);
    probeStore = context.getStateStore(ScorerTopology.PROBES_STORE);
    regressionStore = context.getStateStore(ScorerTopology.REGRESSIONS_STORE);
    rebuildFromStores();
    context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> publish());
  }

  @Override
  public void close() {
    closed.set(true);
  }

  private void rebuildFromStores() {
    state = new ScoringState(similarity, cacheBudgetFloats, new StoredVectors(), new ScoringState.ScoringListener() {
      @Override
      public void scored(SettingState setting, long time, int evaluations, int correct) {
        recordScored(setting, time, evaluations, correct);
      }

      @Override
      public void pendingScored(SettingState setting, String item) {
        pendingStore.delete(vectorKey(setting.key(), item));
      }
    });
    paneCounts = new HashMap<>();
    dirtyPanes = new HashMap<>();
    dirtySettings = new HashSet<>();
    lastTripletChange = -1;
    streamTime = -1;
    try (KeyValueIterator<String, Triplet> all = tripletStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, Triplet> entry = all.next();
        state.putTriplet(entry.key, entry.value.itemArray(), entry.value.oddPosition(), streamTime);
      }
    }
    try (KeyValueIterator<String, SettingInfo> all = settingStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, SettingInfo> entry = all.next();
        state.restoreSetting(entry.key, entry.value.setting(), entry.value.dim());
      }
    }
    restorePending();
    try (KeyValueIterator<String, AlignmentMetric> all = metricStore.all()) {
      while (all.hasNext()) {
        KeyValue<String, AlignmentMetric> entry = all.next();
        SettingState setting = state.setting(entry.key);
        if (setting != null) {
          setting.restoreLastChange(entry.value.getUpdatedAt().toEpochMilli());
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
    // A fresh inbox: results of jobs started before a revival are dropped, the schedules re-check every setting.
    inbox = new ConcurrentLinkedQueue<>();
    closed = new AtomicBoolean();
    probes = new AnalysisSchedule("probe", analysis, key -> {
      ProbeResult last = probeStore.get(key);
      return last == null ? null : new AnalysisSchedule.Done(last.getInputsDigest(), last.getObjects(),
          last.getItemsReferenced(), last.getTriplets());
    });
    regressions = new AnalysisSchedule("regression", analysis, key -> {
      RegressionResult last = regressionStore.get(key);
      return last == null ? null : new AnalysisSchedule.Done(last.getInputsDigest(), last.getInputObjects(),
          last.getItemsReferenced(), last.getTriplets());
    });
  }

  /**
   * Items stored but not yet scored when the state was committed (see {@link ScoringState}):
   * scored again in arrival order, which their stream times give (equal times, whichever first:
   * an evaluation lands in the pane of the time of the item that completes it).
   */
  private void restorePending() {
    List<KeyValue<String, Long>> waiting = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = pendingStore.all()) {
      all.forEachRemaining(waiting::add);
    }
    waiting.sort(Comparator.comparingLong((KeyValue<String, Long> e) -> e.value).thenComparing(e -> e.key));
    for (KeyValue<String, Long> entry : waiting) {
      int at = entry.key.indexOf(ITEM_SEPARATOR);
      state.restorePending(entry.key.substring(0, at), entry.key.substring(at + 1), entry.value);
    }
  }

  @Override
  public void process(Record<String, ScorerInput> record) {
    streamTime = context.currentStreamTimeMs();
    // The topology sends only valid inputs here; rejected ones go straight to the dead-letter sink.
    ScorerInput input = record.value();
    if (input instanceof ScorerInput.EmbeddingInput embedding) {
      applyEmbedding(embedding, record.timestamp());
    } else {
      applyTriplet((ScorerInput.TripletInput) input);
    }
  }

  private void applyEmbedding(ScorerInput.EmbeddingInput embedding, long timestamp) {
    embeddingsScored.increment();
    SettingState known = state.setting(embedding.settingKey());
    ScoringState.EmbeddingResult result = state.putEmbedding(embedding.settingKey(), embedding.setting(),
        embedding.item(), embedding.vector(), streamTime);
    switch (result) {
      case DIMENSION_MISMATCH -> {
        DeadLetter letter = InputDecoder.deadLetter(context, instance, embedding.originalKey(),
            embedding.originalValue(), EmbeddingDecoder.STAGE, "vector of item '" + embedding.item() + "' has dimension "
                + embedding.vector().length + " but setting '" + embedding.settingKey() + "' has dimension "
                + known.dim() + " (fixed by its first embedding)", null);
        context.forward(new Record<>(embedding.settingKey(), new ScorerOutput.Rejected(letter), timestamp));
      }
      case UNCHANGED -> { }
      case ADDED, CHANGED -> {
        if (known == null) {
          settingStore.put(embedding.settingKey(), new SettingInfo(embedding.setting(), embedding.vector().length));
        }
        String key = vectorKey(embedding.settingKey(), embedding.item());
        vectorStore.put(key, embedding.vector());
        if (result == ScoringState.EmbeddingResult.ADDED) {
          pendingStore.put(key, streamTime); // until it is scored (ScoringState), in the same transaction
        }
        markChanged(state.setting(embedding.settingKey()), streamTime);
        state.scoreIfManyPending();
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
      result = state.putTriplet(input.id(), input.triplet().itemArray(), input.triplet().oddPosition(), streamTime);
      if (result != ScoringState.TripletResult.UNCHANGED) {
        tripletStore.put(input.id(), input.triplet());
      }
    }
    if (result != ScoringState.TripletResult.UNCHANGED && result != ScoringState.TripletResult.UNKNOWN) {
      tripletsChanged = true;
      allSettingsDirty = true;
      lastTripletChange = streamTime;
      // Coverage and the triplets of every setting may have moved: each is re-checked for analysis.
      long now = context.currentSystemTimeMs();
      state.settings().forEach(s -> s.inputsChanged(now));
    }
  }

  /** Evaluations of a change at stream time {@code time}: they land in that time's pane. */
  private void recordScored(SettingState setting, long time, int evaluations, int correct) {
    long pane = panes.paneStart(Math.max(0, time));
    PaneCounts counts = paneCounts.computeIfAbsent(setting.key(), s -> new TreeMap<>())
        .merge(pane, new PaneCounts(correct, evaluations), (a, b) -> a.plus(b.correct(), b.total()));
    paneStore.put(paneKey(setting.key(), pane), counts);
    dirtyPanes.computeIfAbsent(setting.key(), s -> new TreeSet<>()).add(pane);
    markChanged(setting, time);
  }

  private void markChanged(SettingState setting, long time) {
    setting.changed(time, context.currentSystemTimeMs());
    dirtySettings.add(setting.key());
  }

  // ---------------------------------------------------------------- publishing

  private void publish() {
    if (tripletsChanged) {
      TripletSummary summary = state.tripletSummary();
      if (!summary.equals(summaryStore.get(ScorerTopology.SUMMARY_KEY))) {
        summaryStore.put(ScorerTopology.SUMMARY_KEY, summary);
      }
      tripletsChanged = false;
    }
    List<String> settings = new ArrayList<>();
    if (allSettingsDirty) {
      state.settings().forEach(s -> settings.add(s.key()));
    } else {
      settings.addAll(dirtySettings);
    }
    long outputTime = streamTime >= 0 ? streamTime : context.currentSystemTimeMs();
    AlignmentMetrics.Context.Ceiling ceiling = AlignmentMetrics.Context.Ceiling.of(
        ceilingConfig.resolve(state.tripletSummary()));
    for (String key : settings) {
      SettingState setting = state.ready(key);
      AlignmentMetric metric = AlignmentMetrics.of(setting.setting(), setting.correct(), setting.total(),
          metricContext(setting, ceiling),
          Math.max(setting.lastChange(), lastTripletChange), null, null);
      if (!metric.equals(metricStore.get(key))) {
        metricStore.put(key, metric);
        context.forward(new Record<>(key, new ScorerOutput.Cumulative(metric), outputTime));
      }
    }
    allSettingsDirty = false;
    dirtySettings.clear();
    publishWindows(outputTime, ceiling);
    expirePanes();
    publishAnalyses(outputTime);
    scheduleAnalyses();
  }

  /** Publishes the results finished since the last tick, unless one for the same inputs is out already. */
  private void publishAnalyses(long outputTime) {
    for (ScorerOutput result = inbox.poll(); result != null; result = inbox.poll()) {
      if (result instanceof ScorerOutput.Probe probe) {
        String key = SettingKey.of(probe.result().getSetting());
        ProbeResult last = probeStore.get(key);
        if (last == null || !last.getInputsDigest().equals(probe.result().getInputsDigest())) {
          probeStore.put(key, probe.result());
          context.forward(new Record<>(key, result, outputTime));
        }
      } else {
        RegressionResult regression = ((ScorerOutput.Regression) result).result();
        String key = SettingKey.of(regression.getSetting());
        RegressionResult last = regressionStore.get(key);
        if (last == null || !last.getInputsDigest().equals(regression.getInputsDigest())) {
          regressionStore.put(key, regression);
          context.forward(new Record<>(key, result, outputTime));
        }
      }
    }
  }

  /**
   * Hands every due setting's inputs to the job threads. Copying inputs costs stream-thread
   * time (a setting of 1854 x 1280 floats takes tens of milliseconds), so a tick spends at most
   * {@link #ANALYSIS_BUDGET_NANOS} on it and leaves the rest due for the next tick.
   */
  private void scheduleAnalyses() {
    if (!analysis.enabled()) {
      return;
    }
    long deadline = System.nanoTime() + ANALYSIS_BUDGET_NANOS;
    int referenced = state.referencedItems();
    boolean withTargets = analysis.targets() != null;
    for (SettingState setting : state.settings()) {
      if (System.nanoTime() > deadline) {
        return;
      }
      if (!probes.changed(setting) && !(withTargets && regressions.changed(setting))) {
        continue;
      }
      state.ready(setting.key());
      int objects = state.embeddedAndReferenced(setting);
      long now = context.currentSystemTimeMs();
      boolean probeDue = probes.changed(setting) && probes.due(setting, objects, referenced, now);
      boolean regressionDue = withTargets && regressions.changed(setting)
          && regressions.due(setting, objects, referenced, now);
      if (!probeDue && !regressionDue) {
        continue;
      }
      AnalysisInputs inputs = state.snapshot(setting, Math.max(setting.lastChange(), lastTripletChange));
      ConcurrentLinkedQueue<ScorerOutput> results = inbox;
      AtomicBoolean taskClosed = closed;
      BooleanSupplier cancelled = () -> taskClosed.get() || jobs.closed();
      if (probeDue) {
        probes.offer(setting, inputs, inputs.digest(), jobs,
            () -> results.add(new ScorerOutput.Probe(AnalysisResults.probe(inputs, analysis, cancelled))));
      }
      if (regressionDue) {
        regressions.offer(setting, inputs, AnalysisResults.regressionDigest(inputs, analysis.targets()), jobs,
            () -> results.add(new ScorerOutput.Regression(AnalysisResults.regression(inputs, analysis, cancelled))));
      }
    }
  }

  private void publishWindows(long outputTime, AlignmentMetrics.Context.Ceiling ceiling) {
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
      AlignmentMetrics.Context metricContext = metricContext(setting, ceiling);
      for (long start : windows) {
        long end = start + panes.sizeMs();
        long correct = 0;
        long total = 0;
        for (PaneCounts pane : counts.subMap(start, true, end, false).values()) {
          correct += pane.correct();
          total += pane.total();
        }
        long updated = Math.min(Math.max(streamTime, 0), end - 1);
        AlignmentMetric metric = AlignmentMetrics.of(setting.setting(), correct, total, metricContext, updated, start, end);
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

  private AlignmentMetrics.Context metricContext(SettingState setting, AlignmentMetrics.Context.Ceiling ceiling) {
    return new AlignmentMetrics.Context(setting.embeddedCount(), state.embeddedAndReferenced(setting),
        state.referencedItems(), ceiling);
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
