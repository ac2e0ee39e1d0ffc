package io.alignstream.scorer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.config.ScorerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/** Rate-limited publication and the hopping-window metrics. */
class ScorerPublishingTest {

  @Test
  void aSettingIsPublishedAtMostOncePerIntervalAndTheLastChangeAlwaysGoesOut() {
    SyntheticData data = SyntheticData.generate(3, 30, 300, new int[] {4, 6});
    try (ScorerHarness scorer = new ScorerHarness()) {
      data.triplets.forEach(t -> scorer.pipe(t, 100));
      List<LayerEmbedding> embeddings = data.embeddings();
      for (int i = 0; i < embeddings.size() / 2; i++) {
        scorer.pipe(embeddings.get(i), 200);
      }
      assertThat(scorer.drainCumulative()).as("nothing before the first tick").isEmpty();
      scorer.advanceWallClock(Duration.ofMillis(499));
      assertThat(scorer.drainCumulative()).isEmpty();
      scorer.advanceWallClock(Duration.ofMillis(1));
      assertThat(keys(scorer.drainCumulative())).containsExactlyInAnyOrderElementsOf(settingsOf(embeddings.subList(0, embeddings.size() / 2)));
      for (int i = embeddings.size() / 2; i < embeddings.size(); i++) {
        scorer.pipe(embeddings.get(i), 300);
        if (i % 7 == 0) {
          scorer.advanceWallClock(Duration.ofMillis(100));
        }
      }
      // Many changes, several 100 ms steps: each setting went out at most once per 500 ms.
      List<KeyValue<String, AlignmentMetric>> published = scorer.drainCumulative();
      long ticks = (embeddings.size() / 2 / 7 + 1) * 100 / 500 + 1;
      Map<String, Integer> perSetting = new HashMap<>();
      published.forEach(kv -> perSetting.merge(kv.key, 1, Integer::sum));
      perSetting.values().forEach(n -> assertThat((long) n).isLessThanOrEqualTo(ticks));
      scorer.tick();
      Map<String, AlignmentMetric> latest = scorer.latestMetrics();
      for (String key : data.settings.keySet()) {
        BatchReference.Score expected = BatchReference.score(data.vectors.get(key), data.triplets, true);
        assertThat(latest.get(key).getCorrect()).isEqualTo(expected.correct());
        assertThat(latest.get(key).getTotal()).isEqualTo(expected.total());
      }
    }
  }

  @Test
  void windowedAccuracyCountsEachEvaluationInTheWindowsHoldingItsScoringTime() {
    // windows of 30 s every 10 s; evaluations happen at the stream time of the record that
    // completed the triplet, here the embedding timestamps.
    ScorerConfig config = ScorerOrderTest.CONFIG
        .withWindows(w -> w.withWindow(Duration.ofSeconds(30), Duration.ofSeconds(10)));
    SyntheticData data = SyntheticData.generate(8, 25, 300, new int[] {5});
    String key = data.settings.keySet().iterator().next();
    Map<String, float[]> vectors = data.vectors.get(key);
    Random random = new Random(8);
    try (ScorerHarness scorer = new ScorerHarness(config)) {
      data.triplets.forEach(t -> scorer.pipe(t, 1_000));
      // expected: replay the arrival order, find which triplets each embedding completes
      Map<String, float[]> present = new HashMap<>();
      Map<Long, long[]> expectedByWindow = new HashMap<>();
      long time = 5_000;
      for (LayerEmbedding e : data.embeddings()) {
        time += random.nextInt(4_000);
        present.put(e.getItemId(), e.getVector().stream().collect(floats()));
        List<TripletJudgment> completed = new ArrayList<>();
        for (TripletJudgment t : data.triplets) {
          if (t.getItems().contains(e.getItemId()) && t.getItems().stream().allMatch(present::containsKey)) {
            completed.add(t);
          }
        }
        BatchReference.Score score = BatchReference.score(present, completed, true);
        for (long w = 0; w <= time; w += 10_000) {
          if (w <= time && time < w + 30_000 && score.total() > 0) {
            long[] counts = expectedByWindow.computeIfAbsent(w, x -> new long[2]);
            counts[0] += score.correct();
            counts[1] += score.total();
          }
        }
        scorer.pipe(e, time);
        if (random.nextInt(5) == 0) {
          scorer.tick();
        }
      }
      scorer.tick();
      Map<Long, AlignmentMetric> latestByWindow = new HashMap<>();
      for (KeyValue<String, AlignmentMetric> kv : scorer.drainWindowed()) {
        long start = Long.parseLong(kv.key.substring(kv.key.lastIndexOf('@') + 1));
        assertThat(kv.key).isEqualTo(key + "@" + start);
        assertThat(kv.value.getWindowStart().toEpochMilli()).isEqualTo(start);
        assertThat(kv.value.getWindowEnd().toEpochMilli()).isEqualTo(start + 30_000);
        latestByWindow.put(start, kv.value);
      }
      assertThat(latestByWindow.keySet()).containsExactlyInAnyOrderElementsOf(expectedByWindow.keySet());
      expectedByWindow.forEach((start, counts) -> {
        AlignmentMetric metric = latestByWindow.get(start);
        assertThat(metric.getCorrect()).as("correct in window %d", start).isEqualTo(counts[0]);
        assertThat(metric.getTotal()).as("total in window %d", start).isEqualTo(counts[1]);
      });
      long sumOverDisjointWindows = 0;
      for (long w = 0; latestByWindow.containsKey(w) || w < time; w += 30_000) {
        AlignmentMetric m = latestByWindow.get(w);
        sumOverDisjointWindows += m == null ? 0 : m.getTotal();
      }
      assertThat(sumOverDisjointWindows).as("every evaluation in exactly one of the disjoint windows")
          .isEqualTo(BatchReference.score(vectors, data.triplets, true).total());
    }
  }

  private static java.util.stream.Collector<Float, ?, float[]> floats() {
    return java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), list -> {
      float[] v = new float[list.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = list.get(i);
      }
      return v;
    });
  }

  private static Set<String> keys(List<KeyValue<String, AlignmentMetric>> records) {
    Set<String> keys = new HashSet<>();
    records.forEach(kv -> keys.add(kv.key));
    return keys;
  }

  private static Set<String> settingsOf(List<LayerEmbedding> embeddings) {
    Set<String> keys = new HashSet<>();
    embeddings.forEach(e -> keys.add(SettingKey.of(e.getSetting())));
    return keys;
  }
}
