package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.BatchReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chaos bench's batch computation against the scorer tests' reference, ties and missing items included. */
class ChaosBenchTest {

  @Test
  void batchScoreEqualsTheReferenceComputation() {
    Random random = new Random(11);
    Map<String, float[]> vectors = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      float[] v = new float[3];
      for (int d = 0; d < v.length; d++) {
        v[d] = random.nextInt(3) - 1; // small integers: many exact ties, some zero vectors
      }
      vectors.put("item" + i, v);
    }
    List<TripletJudgment> triplets = new ArrayList<>();
    for (int t = 0; t < 3000; t++) {
      List<String> items = List.of("item" + random.nextInt(45), "item" + random.nextInt(45), "item" + random.nextInt(45));
      triplets.add(TripletJudgment.newBuilder().setTripletId("t" + t).setDataset("test").setItems(items)
          .setOddOneOut(random.nextInt(3)).build());
    }

    long[] chaos = ChaosBench.batchScore(vectors, triplets);
    BatchReference.Score reference = BatchReference.score(vectors, triplets, true);

    assertThat(reference.total()).isBetween(2000L, 2700L); // items 40..44 have no vector
    assertThat(chaos).containsExactly(reference.correct(), reference.total());
  }
}
