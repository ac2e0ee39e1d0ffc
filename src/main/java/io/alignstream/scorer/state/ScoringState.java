package io.alignstream.scorer.state;

import io.alignstream.schema.Setting;
import io.alignstream.scorer.ceiling.TripletSummary;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The scoring state of one task, free of Kafka: every triplet, every setting's vectors, and the
 * running counts, with the incremental updates that keep
 * {@code correct(s) = sum over triplets fully embedded in s of modelAgrees(t, current vectors)}
 * true after every call.
 *
 * <ul>
 *   <li>An embedding of item x costs work proportional to the triplets naming x: they are
 *       evaluated with the old vector (subtracted, when x had one) and with the new one (added).
 *   <li>A triplet costs one evaluation per setting holding its three items; a re-sent id with
 *       the same content is a no-op, a different content replaces the old one.
 *   <li>Counts are derived: after a restart they are rebuilt by re-evaluating every triplet from
 *       the restored vectors, so the state stores hold only inputs (vectors, triplets).
 * </ul>
 */
public final class ScoringState {

  /** Reads a setting's vectors back from durable storage (the changelogged state store). */
  public interface VectorSource {
    void forEach(String setting, BiConsumer<String, float[]> sink);

    /** One vector, or null when absent. */
    float[] vector(String setting, String item);
  }

  /** Told once per setting per change how many triplet evaluations ran and how many agreed. */
  public interface ScoringListener {
    void scored(SettingState setting, int evaluations, int correct);
  }

  public enum EmbeddingResult { ADDED, CHANGED, UNCHANGED, DIMENSION_MISMATCH }

  public enum TripletResult { ADDED, REPLACED, UNCHANGED, REMOVED, UNKNOWN }

  public static final ScoringListener IGNORE = (setting, evaluations, correct) -> { };

  private final Similarity similarity;
  private final long cacheBudgetFloats;
  private final VectorSource source;
  private final ItemIds items = new ItemIds();
  private final TripletIndex triplets = new TripletIndex(items);
  private final Map<String, SettingState> settings = new LinkedHashMap<>();
  /** Settings whose vectors are in memory, least recently used first. */
  private final LinkedHashMap<String, SettingState> resident = new LinkedHashMap<>(16, 0.75f, true);
  private long residentFloats;
  private long evaluations;

  /**
   * @param cacheBudgetFloats vectors kept in memory across settings, in floats; the least
   *     recently used settings are dropped beyond it (at least one setting always stays)
   * @param source where dropped vectors are read back from; may be null when the budget is
   *     never exceeded (in-memory use)
   */
  public ScoringState(Similarity similarity, long cacheBudgetFloats, VectorSource source) {
    this.similarity = similarity;
    this.cacheBudgetFloats = cacheBudgetFloats;
    this.source = source;
  }

  // ---------------------------------------------------------------- settings and embeddings

  public SettingState setting(String key) {
    return settings.get(key);
  }

  public Collection<SettingState> settings() {
    return Collections.unmodifiableCollection(settings.values());
  }

  /** Registers a setting found in the state store after a restart; its counts are rebuilt lazily. */
  public void restoreSetting(String key, Setting setting, int dim) {
    settings.put(key, new SettingState(key, setting, dim));
  }

  /**
   * Sets {@code item}'s vector in setting {@code key}. The first embedding of a setting fixes
   * its dimension; a vector of another length is refused (DIMENSION_MISMATCH) and changes nothing.
   */
  public EmbeddingResult putEmbedding(String key, Setting setting, String item, float[] vector, ScoringListener listener) {
    SettingState state = settings.get(key);
    if (state == null) {
      state = new SettingState(key, setting, vector.length);
      state.countsKnown = true;
      state.matrix = new VectorMatrix(vector.length, Math.max(16, items.size()));
      settings.put(key, state);
      resident.put(key, state);
      residentFloats += state.matrix.capacityFloats();
    } else if (state.dim != vector.length) {
      return EmbeddingResult.DIMENSION_MISMATCH;
    }
    ensureCounts(state);
    VectorMatrix matrix = vectors(state);
    int x = items.intern(item);
    int row = matrix.row(x);
    if (row >= 0 && matrix.sameVector(row, vector)) {
      return EmbeddingResult.UNCHANGED;
    }
    int[] slots = triplets.slotsOf(x);
    int degree = triplets.degree(x);
    long oldCorrect = 0;
    if (row >= 0) {
      for (int i = 0; i < degree; i++) {
        if (fullyEmbedded(matrix, slots[i]) && agrees(matrix, slots[i])) {
          oldCorrect++;
        }
      }
    }
    long before = matrix.capacityFloats();
    matrix.put(x, vector);
    residentFloats += matrix.capacityFloats() - before;
    if (row < 0) {
      state.embedded.set(x);
      state.embeddedCount++;
    }
    int scored = 0;
    int newCorrect = 0;
    for (int i = 0; i < degree; i++) {
      if (fullyEmbedded(matrix, slots[i])) {
        scored++;
        if (agrees(matrix, slots[i])) {
          newCorrect++;
        }
      }
    }
    state.correct += newCorrect - oldCorrect;
    if (row < 0) {
      state.total += scored;
    }
    if (scored > 0) {
      listener.scored(state, scored, newCorrect);
    }
    evictBeyondBudget(state);
    return row < 0 ? EmbeddingResult.ADDED : EmbeddingResult.CHANGED;
  }

  // ---------------------------------------------------------------- triplets

  /**
   * Adds or replaces triplet {@code id}: {@code items} in the order shown, {@code oddPosition}
   * the human's choice. Items must be three distinct ids (the decoder checks).
   */
  public TripletResult putTriplet(String id, String[] shown, int oddPosition, ScoringListener listener) {
    int[] ids = {items.intern(shown[0]), items.intern(shown[1]), items.intern(shown[2])};
    int oddItem = ids[oddPosition];
    int a = ids[oddPosition == 0 ? 1 : 0];
    int b = ids[oddPosition == 2 ? 1 : 2];
    int slot = triplets.slotOf(id);
    TripletResult result = TripletResult.ADDED;
    if (slot >= 0) {
      if (triplets.sameContent(slot, a, b, oddItem)) {
        return TripletResult.UNCHANGED;
      }
      unscore(slot);
      triplets.remove(slot);
      result = TripletResult.REPLACED;
    }
    ensureAllCounts();
    slot = triplets.add(id, a, b, oddItem);
    for (SettingState state : settings.values()) {
      if (state.embedded.get(a) && state.embedded.get(b) && state.embedded.get(oddItem)) {
        boolean agrees = agreesAnywhere(state, slot);
        state.total++;
        if (agrees) {
          state.correct++;
        }
        listener.scored(state, 1, agrees ? 1 : 0);
      }
    }
    return result;
  }

  public TripletResult removeTriplet(String id) {
    int slot = triplets.slotOf(id);
    if (slot < 0) {
      return TripletResult.UNKNOWN;
    }
    unscore(slot);
    triplets.remove(slot);
    return TripletResult.REMOVED;
  }

  /** Whether triplet {@code id} is known. */
  boolean hasTriplet(String id) {
    return triplets.slotOf(id) >= 0;
  }

  int tripletCount() {
    return triplets.size();
  }

  public int referencedItems() {
    return triplets.referencedItems();
  }

  /** The triplet side of the state: responses, the items they name, the sums of their noise ceiling. */
  public TripletSummary tripletSummary() {
    return new TripletSummary(tripletCount(), referencedItems(), triplets.ceiling().sums());
  }

  OptionalDouble ceiling() {
    return triplets.ceiling().ceiling();
  }

  OptionalDouble leaveOneOutCeiling() {
    return triplets.ceiling().leaveOneOutCeiling();
  }

  // ---------------------------------------------------------------- metric inputs

  /** Makes the setting's counts current (rebuilding them after a restart) and returns it. */
  public SettingState ready(String key) {
    SettingState state = settings.get(key);
    if (state != null) {
      ensureCounts(state);
    }
    return state;
  }

  /** Embedded items of the setting that some triplet names. */
  public int embeddedAndReferenced(SettingState state) {
    ensureCounts(state);
    int count = 0;
    for (int item = state.embedded.nextSetBit(0); item >= 0; item = state.embedded.nextSetBit(item + 1)) {
      if (triplets.isReferenced(item)) {
        count++;
      }
    }
    return count;
  }

  /**
   * A copy of what a probe or regression of the setting is computed from: its embedded objects
   * that some triplet names, and every triplet whose three objects are embedded (as many as the
   * setting's {@code total}), in canonical order (see {@link AnalysisInputs}).
   */
  public AnalysisInputs snapshot(SettingState state, long updatedAt) {
    ensureCounts(state);
    VectorMatrix matrix = vectors(state);
    TreeMap<String, Integer> objects = new TreeMap<>();
    for (int item = state.embedded.nextSetBit(0); item >= 0; item = state.embedded.nextSetBit(item + 1)) {
      if (triplets.isReferenced(item)) {
        objects.put(items.name(item), item);
      }
    }
    String[] names = objects.keySet().toArray(new String[0]);
    float[][] features = new float[names.length][];
    int[] rowOfItem = new int[items.size()];
    int row = 0;
    for (int item : objects.values()) {
      features[row] = matrix.vector(matrix.row(item));
      rowOfItem[item] = row++;
    }
    int[][] rows = new int[Math.toIntExact(state.total)][];
    int count = 0;
    for (int slot = 0; slot < triplets.slotLimit(); slot++) {
      if (triplets.isLive(slot) && fullyEmbedded(matrix, slot)) {
        int i = rowOfItem[triplets.pairA(slot)];
        int j = rowOfItem[triplets.pairB(slot)];
        rows[count++] = new int[] {Math.min(i, j), Math.max(i, j), rowOfItem[triplets.odd(slot)]};
      }
    }
    if (count != rows.length) {
      throw new IllegalStateException("setting " + state.key + " counts " + state.total + " triplets but "
          + count + " are embedded");
    }
    return AnalysisInputs.of(state.key, state.setting, names, features, rows, triplets.referencedItems(), updatedAt);
  }

  /** Triplet evaluations run for scoring (not counting rebuilds after a restart). */
  public long evaluations() {
    return evaluations;
  }

  long residentFloats() {
    return residentFloats;
  }

  // ---------------------------------------------------------------- internals

  private void unscore(int slot) {
    ensureAllCounts();
    int a = triplets.pairA(slot);
    int b = triplets.pairB(slot);
    int o = triplets.odd(slot);
    for (SettingState state : settings.values()) {
      if (state.embedded.get(a) && state.embedded.get(b) && state.embedded.get(o)) {
        state.total--;
        if (agreesAnywhere(state, slot)) {
          state.correct--;
        }
      }
    }
  }

  private void ensureAllCounts() {
    for (SettingState state : settings.values()) {
      ensureCounts(state);
    }
  }

  /** After a restart: reload the vectors and re-evaluate every triplet once. */
  private void ensureCounts(SettingState state) {
    if (state.countsKnown) {
      return;
    }
    VectorMatrix matrix = vectors(state);
    long total = 0;
    long correct = 0;
    for (int slot = 0; slot < triplets.slotLimit(); slot++) {
      if (triplets.isLive(slot) && fullyEmbedded(matrix, slot)) {
        total++;
        if (agreesWithoutCounting(matrix, slot)) {
          correct++;
        }
      }
    }
    state.total = total;
    state.correct = correct;
    state.countsKnown = true;
    evictBeyondBudget(state);
  }

  /** The setting's vectors in memory, read back from the source when they were dropped. */
  private VectorMatrix vectors(SettingState state) {
    if (state.matrix != null) {
      resident.get(state.key); // touch: most recently used
      return state.matrix;
    }
    if (source == null) {
      throw new IllegalStateException("vectors of setting " + state.key + " are not in memory and there is no store");
    }
    VectorMatrix matrix = new VectorMatrix(state.dim, Math.max(16, state.embeddedCount));
    state.embedded.clear();
    int[] count = {0};
    source.forEach(state.key, (item, vector) -> {
      if (vector.length != state.dim) {
        throw new IllegalStateException("stored vector of " + item + " in " + state.key + " has length "
            + vector.length + ", expected " + state.dim);
      }
      int id = items.intern(item);
      matrix.put(id, vector);
      state.embedded.set(id);
      count[0]++;
    });
    state.embeddedCount = count[0];
    state.matrix = matrix;
    resident.put(state.key, state);
    residentFloats += matrix.capacityFloats();
    return matrix;
  }

  private void evictBeyondBudget(SettingState keep) {
    if (residentFloats <= cacheBudgetFloats || source == null) {
      return;
    }
    Iterator<SettingState> lru = resident.values().iterator();
    while (residentFloats > cacheBudgetFloats && lru.hasNext()) {
      SettingState candidate = lru.next();
      if (candidate != keep) {
        residentFloats -= candidate.matrix.capacityFloats();
        candidate.matrix = null;
        lru.remove();
      }
    }
  }

  private boolean fullyEmbedded(VectorMatrix matrix, int slot) {
    return matrix.row(triplets.pairA(slot)) >= 0 && matrix.row(triplets.pairB(slot)) >= 0
        && matrix.row(triplets.odd(slot)) >= 0;
  }

  private boolean agrees(VectorMatrix matrix, int slot) {
    evaluations++;
    return agreesWithoutCounting(matrix, slot);
  }

  private boolean agreesWithoutCounting(VectorMatrix matrix, int slot) {
    int a = matrix.row(triplets.pairA(slot));
    int b = matrix.row(triplets.pairB(slot));
    int o = matrix.row(triplets.odd(slot));
    return OddOneOut.modelAgrees(
        matrix.similarity(similarity, a, b),
        matrix.similarity(similarity, a, o),
        matrix.similarity(similarity, b, o));
  }

  /**
   * Evaluates one triplet in a setting whose vectors may have been dropped from memory: then
   * only its three vectors are read back, instead of the whole setting for one triplet. Same
   * arithmetic as the in-memory path, so the outcome is the same bit for bit.
   */
  private boolean agreesAnywhere(SettingState state, int slot) {
    if (state.matrix != null) {
      return agrees(state.matrix, slot);
    }
    VectorMatrix three = new VectorMatrix(state.dim, 3);
    for (int item : new int[] {triplets.pairA(slot), triplets.pairB(slot), triplets.odd(slot)}) {
      float[] vector = source.vector(state.key, items.name(item));
      if (vector == null) {
        throw new IllegalStateException("vector of " + items.name(item) + " in " + state.key
            + " is marked embedded but missing from the store");
      }
      three.put(item, vector);
    }
    return agrees(three, slot);
  }
}
