package io.alignstream.scorer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.SyntheticData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NoiseCeilingTest {

  @Test
  void majorityTiesSplitTheAgreement() {
    // group {a,b,c}: choices a, a, b  -> majority a: agreement (1 + 1 + 0) / 3
    //                leave-one-out: a vs {a,b} tie -> 1/2; a vs {a,b} -> 1/2; b vs {a,a} -> 0
    ScoringState state = new ScoringState(Similarity.COSINE, Long.MAX_VALUE, null);
    state.putTriplet("1", new String[] {"a", "b", "c"}, 0, ScoringState.IGNORE);
    state.putTriplet("2", new String[] {"c", "a", "b"}, 1, ScoringState.IGNORE);
    state.putTriplet("3", new String[] {"b", "c", "a"}, 0, ScoringState.IGNORE);
    state.putTriplet("single", new String[] {"d", "e", "f"}, 0, ScoringState.IGNORE);
    assertThat(state.ceiling().getAsDouble()).isEqualTo(2.0 / 3.0);
    assertThat(state.leaveOneOutCeiling().getAsDouble()).isEqualTo(1.0 / 3.0);
  }

  @Test
  void noRepeatedTripletMeansNoCeiling() {
    ScoringState state = new ScoringState(Similarity.COSINE, Long.MAX_VALUE, null);
    state.putTriplet("1", new String[] {"a", "b", "c"}, 0, ScoringState.IGNORE);
    assertThat(state.ceiling()).isEmpty();
    assertThat(state.leaveOneOutCeiling()).isEmpty();
  }

  @Test
  void matchesBruteForceUnderAddReplaceAndRemoveInAnyOrder() {
    Random random = new Random(5);
    List<String> items = List.of("a", "b", "c", "d", "e");
    List<TripletJudgment> live = new ArrayList<>();
    ScoringState state = new ScoringState(Similarity.COSINE, Long.MAX_VALUE, null);
    for (int step = 0; step < 3000; step++) {
      if (!live.isEmpty() && random.nextInt(5) == 0) {
        TripletJudgment gone = live.remove(random.nextInt(live.size()));
        state.removeTriplet(gone.getTripletId());
      } else {
        List<String> shuffled = new ArrayList<>(items);
        Collections.shuffle(shuffled, random);
        String id = random.nextInt(4) == 0 && !live.isEmpty()
            ? live.get(random.nextInt(live.size())).getTripletId() : "t" + step;
        TripletJudgment t = SyntheticData.triplet(id, shuffled.subList(0, 3), random.nextInt(3));
        live.removeIf(old -> old.getTripletId().equals(id));
        live.add(t);
        state.putTriplet(id, t.getItems().toArray(new String[0]), t.getOddOneOut(), ScoringState.IGNORE);
      }
      if (step % 97 == 0) {
        double[] expected = BatchReference.ceiling(live);
        if (expected == null) {
          assertThat(state.ceiling()).isEmpty();
        } else {
          assertThat(state.ceiling().getAsDouble()).isCloseTo(expected[0], within(1e-12));
          assertThat(state.leaveOneOutCeiling().getAsDouble()).isCloseTo(expected[1], within(1e-12));
        }
      }
    }
  }
}
