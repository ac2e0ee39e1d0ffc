package io.alignstream.scorer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.state.Similarity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whatever order embeddings and triplets arrive in, with duplicates and re-sent vectors, the
 * final published metric of every setting equals the batch computation over the final inputs.
 */
class ScorerOrderTest {

  private static final int[] DIMS = {5, 8, 3};
  /**
   * In-memory stores: the test driver commits after every record, which RocksDB turns into a
   * flush to disk. No probe or regression jobs: these tests are about the metrics
   * (ScorerAnalysisTest covers the jobs). A ceiling from any repeat: they check its arithmetic
   * on small data (the support rule has its own tests).
   */
  static final ScorerConfig CONFIG = ScorerConfig.defaults(null)
      .withStreams(s -> s.withInMemoryStores(true))
      .withAnalysis(AnalysisConfig.defaults().withThreads(0))
      .withCeiling(CeilingConfig.defaults().withMinRepeatedTriplets(1));

  @Test
  void tripletsFirstThenEmbeddings() {
    SyntheticData data = SyntheticData.generate(1, 40, 600, DIMS);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, new Random(1), CONFIG);
  }

  @Test
  void embeddingsFirstThenTriplets() {
    SyntheticData data = SyntheticData.generate(2, 40, 600, DIMS);
    List<Object> inputs = new ArrayList<>(data.embeddings());
    inputs.addAll(data.triplets);
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, new Random(2), CONFIG);
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13, 14, 15})
  void randomInterleavingsWithDuplicates(long seed) {
    SyntheticData data = SyntheticData.generate(seed, 35, 500, DIMS);
    Random random = new Random(seed);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    // duplicates: re-sent triplets (same id, same content) and re-sent embeddings (same vector)
    for (int i = 0; i < 150; i++) {
      inputs.add(inputs.get(random.nextInt(inputs.size())));
    }
    Collections.shuffle(inputs, random);
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, random, CONFIG);
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23})
  void resentVectorsRescoreTheTripletsTheyTouch(long seed) {
    SyntheticData data = SyntheticData.generate(seed, 30, 500, DIMS);
    Random random = new Random(seed);
    List<Object> inputs = new ArrayList<>(data.triplets);
    // first a stale vector for some items, the final one later (possibly before or after triplets)
    List<Object> stale = new ArrayList<>();
    for (LayerEmbedding e : data.embeddings()) {
      if (random.nextInt(3) == 0) {
        float[] old = new float[e.getDim()];
        for (int d = 0; d < old.length; d++) {
          old[d] = (float) random.nextGaussian();
        }
        stale.add(SyntheticData.embedding(e.getSetting(), e.getItemId(), old));
      }
    }
    inputs.addAll(stale);
    Collections.shuffle(inputs, random);
    List<Object> finals = new ArrayList<>(data.embeddings());
    Collections.shuffle(finals, random);
    // each final vector arrives after its stale one: insert finals in the second half
    inputs.addAll(finals);
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, random, CONFIG);
  }

  @Test
  void replacedAndDeletedTripletsCountWithTheirLatestContent() {
    SyntheticData data = SyntheticData.generate(31, 30, 400, DIMS);
    Random random = new Random(31);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    Collections.shuffle(inputs, random);
    Map<String, TripletJudgment> finalTriplets = new LinkedHashMap<>();
    data.triplets.forEach(t -> finalTriplets.put(t.getTripletId(), t));
    for (int i = 0; i < 60; i++) {
      TripletJudgment t = data.triplets.get(random.nextInt(data.triplets.size()));
      if (i % 3 == 0) {
        inputs.add(new Tombstone(t.getTripletId()));
        finalTriplets.remove(t.getTripletId());
      } else {
        List<String> items = new ArrayList<>(data.items);
        Collections.shuffle(items, random);
        TripletJudgment replaced = SyntheticData.triplet(t.getTripletId(), items.subList(0, 3), random.nextInt(3));
        inputs.add(replaced);
        finalTriplets.put(t.getTripletId(), replaced);
      }
    }
    assertFinalMetricsMatchBatch(data, inputs, finalTriplets.values(), random, CONFIG);
  }

  @ParameterizedTest
  @ValueSource(longs = {41, 42})
  void vectorCacheSmallerThanOneSettingGivesTheSameCounts(long seed) {
    // 64 bytes hold no setting: every setting's vectors are dropped and read back from the store.
    SyntheticData data = SyntheticData.generate(seed, 30, 400, DIMS);
    Random random = new Random(seed);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    inputs.addAll(data.embeddings().subList(0, 20));
    Collections.shuffle(inputs, random);
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, random,
        CONFIG.withLimits(l -> l.withVectorCacheBytes(64)));
  }

  @Test
  void dotSimilarityMatchesTheBatchDotProduct() {
    SyntheticData data = SyntheticData.generate(51, 30, 400, DIMS);
    Random random = new Random(51);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    Collections.shuffle(inputs, random);
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, random,
        CONFIG.withSimilarity(Similarity.DOT));
  }

  @Test
  void pooledSettingsScoreBesideDiffusionSettings() {
    SyntheticData data = SyntheticData.generate(71, 35, 500, new int[] {5, 8, 3, 6});
    assertThat(data.settings).containsKey("vision|encoder.ln|cls+mean");
    Random random = new Random(71);
    List<Object> inputs = new ArrayList<>(data.triplets);
    inputs.addAll(data.embeddings());
    Collections.shuffle(inputs, random);
    // RocksDB stores: the pooled setting goes through the stores' own serdes and back.
    assertFinalMetricsMatchBatch(data, inputs, data.triplets, random,
        CONFIG.withStreams(s -> s.withInMemoryStores(false)));
  }

  @Test
  void aSettingIsPublishedBeforeAnyTripletIsComplete() {
    SyntheticData data = SyntheticData.generate(61, 10, 20, new int[] {4});
    try (ScorerHarness scorer = new ScorerHarness(CONFIG)) {
      LayerEmbedding first = data.embeddings().get(0);
      scorer.pipe(first, 1000);
      scorer.tick();
      AlignmentMetric metric = scorer.latestMetrics().get(SettingKey.of(first.getSetting()));
      assertThat(metric.getTotal()).isZero();
      assertThat(metric.getItemsEmbedded()).isEqualTo(1);
      assertThat(metric.getItemsReferenced()).isZero();
      assertThat(metric.getNoiseCeiling()).isNull();
      assertThat(metric.getNormalized()).isNull();
    }
  }

  private record Tombstone(String id) {}

  /**
   * Pipes {@code inputs} in order (timestamps rising, wall-clock ticks at random points so
   * intermediate metrics go out too), then checks each setting's last published metric against
   * the batch computation over the final vectors and {@code finalTriplets}.
   */
  private static void assertFinalMetricsMatchBatch(SyntheticData data, List<Object> inputs,
      Collection<TripletJudgment> finalTriplets, Random random, ScorerConfig config) {
    boolean cosine = config.similarity() == Similarity.COSINE;
    try (ScorerHarness scorer = new ScorerHarness(config)) {
      long time = 1_000;
      for (Object input : inputs) {
        time += random.nextInt(50);
        if (input instanceof LayerEmbedding e) {
          scorer.pipe(e, time);
        } else if (input instanceof TripletJudgment t) {
          scorer.pipe(t, time);
        } else if (input instanceof Tombstone t) {
          scorer.tombstone(t.id(), time);
        }
        if (random.nextInt(40) == 0) {
          scorer.tick();
        }
      }
      scorer.tick();
      Map<String, AlignmentMetric> published = scorer.latestMetrics();
      assertThat(published.keySet()).containsExactlyInAnyOrderElementsOf(data.settings.keySet());
      Set<String> referenced = new HashSet<>();
      finalTriplets.forEach(t -> referenced.addAll(t.getItems()));
      double[] ceiling = BatchReference.ceiling(finalTriplets);
      for (String key : data.settings.keySet()) {
        Map<String, float[]> vectors = data.vectors.get(key);
        BatchReference.Score expected = BatchReference.score(vectors, finalTriplets, cosine);
        AlignmentMetric metric = published.get(key);
        assertThat(metric.getTotal()).as("total of %s", key).isEqualTo(expected.total());
        assertThat(metric.getCorrect()).as("correct of %s", key).isEqualTo(expected.correct());
        assertThat(metric.getAccuracy()).isEqualTo((double) expected.correct() / expected.total());
        assertThat(metric.getItemsEmbedded()).isEqualTo(vectors.size());
        assertThat(metric.getItemsReferenced()).isEqualTo(referenced.size());
        long embeddedReferenced = referenced.stream().filter(vectors::containsKey).count();
        assertThat(metric.getCoverage()).isEqualTo((double) embeddedReferenced / referenced.size());
        assertThat(metric.getSetting()).isEqualTo(data.settings.get(key));
        if (ceiling == null) {
          assertThat(metric.getNoiseCeiling()).isNull();
        } else {
          assertThat(metric.getNoiseCeiling()).isCloseTo(ceiling[0], org.assertj.core.data.Offset.offset(1e-12));
          assertThat(metric.getNoiseCeilingLoo()).isCloseTo(ceiling[1], org.assertj.core.data.Offset.offset(1e-12));
        }
      }
      // Nothing changed since the last tick: the next one publishes nothing.
      scorer.advanceWallClock(Duration.ofSeconds(5));
      assertThat(scorer.drainCumulative()).isEmpty();
      assertThat(scorer.drainDeadLetters()).isEmpty();
    }
  }
}
