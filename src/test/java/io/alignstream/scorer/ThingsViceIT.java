package io.alignstream.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.alignstream.common.SettingKey;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.ceiling.CeilingView;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real data through the real broker: the VICE embedding (1854 x 42) of the THINGS concepts and
 * the 146,168 held-out human triplets. The scorer's count of correct triplets must equal the
 * independent batch computation, whose accuracy the data README gives as about 0.644.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ThingsViceIT {

  private static final Path DATA = Path.of("..", "shared", "data");
  private static final Path VICE = DATA.resolve("embeddings/vice_things_final_embedding_1854x42.npy");
  private static final Path TRIPLETS = DATA.resolve("triplets/things_behavior_triplets_test10.txt");
  private static final Path IDS = DATA.resolve("things/unique_id.txt");

  @Test
  void scorerCountsExactlyTheBatchComputationOnViceAndTheThingsTestTriplets(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isRegularFile(VICE) && Files.isRegularFile(TRIPLETS) && Files.isRegularFile(IDS),
        "../shared/data (THINGS triplets and the VICE embedding) is not here; skipping the real-data test");
    List<String> ids = Files.readAllLines(IDS).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    float[][] vice = NpyTestReader.readMatrix(VICE);
    assertThat(vice.length).isEqualTo(ids.size()).isEqualTo(1854);
    Map<String, float[]> vectors = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      vectors.put(ids.get(i), vice[i]);
    }
    List<TripletJudgment> triplets = new ArrayList<>();
    List<String> lines = Files.readAllLines(TRIPLETS);
    for (int n = 0; n < lines.size(); n++) {
      String[] f = lines.get(n).trim().split("\\s+");
      if (f.length < 3) {
        continue;
      }
      List<String> items = List.of(ids.get(Integer.parseInt(f[0])), ids.get(Integer.parseInt(f[1])),
          ids.get(Integer.parseInt(f[2])));
      triplets.add(SyntheticData.triplet("things-test10:" + (n + 1), items, 2)); // last column: the odd one
    }
    assertThat(triplets).hasSize(146_168);
    BatchReference.Score batch = BatchReference.score(vectors, triplets, true);
    assertThat(batch.total()).isEqualTo(146_168);
    assertThat((double) batch.correct() / batch.total()).isCloseTo(0.644, within(0.001));
    Set<String> referenced = new HashSet<>();
    triplets.forEach(t -> referenced.addAll(t.getItems()));

    Setting setting = SyntheticData.setting("vice", "final", 0, Conditioning.NONE);
    String key = SettingKey.of(setting);
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), SharedTestBroker.registryUrl(),
            "scorer-vice.");
        ScorerService scorer = ScorerService.start(kafka.cluster, ScorerConfig.defaults(dir)
            .withStreams(s -> s.withApplicationId("vice-test"))
            .withHttp(h -> h.withPort(0))
            .withNewTopics(t -> t.withPartitions(1))
            .withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)))
            .withAnalysis(AnalysisConfig.defaults().withThreads(0)))) {
      kafka.send(triplets);
      List<Object> embeddings = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        embeddings.add(SyntheticData.embedding(setting, ids.get(i), vice[i]));
      }
      kafka.send(embeddings);
      Map<String, AlignmentMetric> latest = kafka.awaitMetrics(
          l -> l.containsKey(key) && l.get(key).getTotal() == batch.total(), Duration.ofSeconds(150));
      AlignmentMetric metric = latest.get(key);
      assertThat(metric).as("a metric for %s", key).isNotNull();
      assertThat(metric.getTotal()).isEqualTo(batch.total());
      assertThat(metric.getCorrect()).isEqualTo(batch.correct());
      assertThat(metric.getItemsEmbedded()).isEqualTo(1854);
      assertThat(metric.getItemsReferenced()).isEqualTo(referenced.size());
      assertThat(metric.getCoverage()).isEqualTo((double) referenced.size() / referenced.size());
      // The test split repeats too few triplets for a ceiling with the default support (100):
      // the metric shows none rather than a number from a handful of pairs.
      assertThat(BatchReference.repeatedGroups(triplets)).isPositive().isLessThan(CeilingConfig.DEFAULT_MIN_REPEATED_TRIPLETS);
      assertThat(metric.getNoiseCeiling()).isNull();
      assertThat(metric.getNoiseCeilingLoo()).isNull();
      assertThat(metric.getNormalized()).isNull();
      CeilingView view = scorer.ceiling().orElseThrow();
      assertThat(view.value()).isNull();
      assertThat(view.repeatedTriplets()).isEqualTo(BatchReference.repeatedGroups(triplets));
    }
  }
}
