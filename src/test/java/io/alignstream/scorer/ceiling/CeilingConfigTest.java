package io.alignstream.scorer.ceiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.producer.ConceptList;
import io.alignstream.producer.InvalidInputException;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.state.AlignmentMetrics;
import io.alignstream.scorer.state.ScoringState;
import io.alignstream.scorer.state.Similarity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The noise ceiling the scorer reports: only with enough support, with a 95% interval that
 * matches a direct computation from the groups, from a dedicated repeated-triplet file, or a
 * documented constant.
 */
class CeilingConfigTest {

  private static TripletSummary streamed(List<TripletJudgment> triplets) {
    ScoringState state = new ScoringState(Similarity.COSINE, Long.MAX_VALUE, null);
    for (TripletJudgment t : triplets) {
      state.putTriplet(t.getTripletId(), t.getItems().toArray(new String[0]), t.getOddOneOut(), ScoringState.IGNORE);
    }
    return state.tripletSummary();
  }

  @Test
  void oneTripletAnsweredTwiceAlikeIsNotACeilingOfOne() {
    // The emoji demo's case: the only repeat agrees with itself, which would read as 1.000.
    List<TripletJudgment> triplets = List.of(
        SyntheticData.triplet("a", List.of("x", "y", "z"), 2),
        SyntheticData.triplet("b", List.of("z", "x", "y"), 0),
        SyntheticData.triplet("c", List.of("x", "y", "w"), 1));
    TripletSummary summary = streamed(triplets);
    assertThat(summary.ceiling().ceiling().getAsDouble()).isEqualTo(1.0);

    CeilingView view = CeilingConfig.defaults().resolve(summary);

    assertThat(view.value()).isNull();
    assertThat(view.noiseCeiling()).isNull();
    assertThat(view.leaveOneOut()).isNull();
    assertThat(view.ciLow()).isNull();
    assertThat(view.repeatedTriplets()).isEqualTo(1);
    assertThat(view.responses()).isEqualTo(2);
    assertThat(view.unavailable()).contains("1 repeated triplet (2 responses)").contains("100");
    AlignmentMetrics.Context context = new AlignmentMetrics.Context(3, 3, 4,
        AlignmentMetrics.Context.Ceiling.of(view));
    assertThat(AlignmentMetrics.of(SyntheticData.setting("m", "l", 0, io.alignstream.schema.Conditioning.NONE),
        2, 3, context, 0, null, null).getNormalized()).isNull();
  }

  @Test
  void aSupportedCeilingHasTheIntervalOfItsGroups() {
    SyntheticData data = SyntheticData.generate(31, 12, 3000, new int[] {2});
    long groups = BatchReference.repeatedGroups(data.triplets);
    assertThat(groups).isGreaterThan(150);
    double[] ceiling = BatchReference.ceiling(data.triplets);
    double[] interval = BatchReference.ceilingInterval(data.triplets);

    CeilingView view = CeilingConfig.defaults().resolve(streamed(data.triplets));

    assertThat(view.repeatedTriplets()).isEqualTo(groups);
    assertThat(view.value()).isCloseTo(ceiling[0], within(1e-12));
    assertThat(view.leaveOneOut()).isCloseTo(ceiling[1], within(1e-12));
    assertThat(view.ciLow()).isCloseTo(interval[0], within(1e-9)).isLessThan(view.value());
    assertThat(view.ciHigh()).isCloseTo(interval[1], within(1e-9)).isGreaterThan(view.value());
    assertThat(view.source()).contains("streamed");
    assertThat(CeilingConfig.defaults().withMinRepeatedTriplets((int) groups + 1).resolve(streamed(data.triplets))
        .value()).isNull();
  }

  @Test
  void aDedicatedFileReplacesTheStreamedRepeats(@TempDir Path dir) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add("c" + i);
    }
    Random random = new Random(7);
    List<String> lines = new ArrayList<>();
    List<TripletJudgment> same = new ArrayList<>();
    for (int g = 0; g < 40; g++) {
      List<Integer> three = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
      java.util.Collections.shuffle(three, random);
      for (int r = 0; r < 3 + random.nextInt(4); r++) {
        List<Integer> shown = new ArrayList<>(three.subList(0, 3));
        java.util.Collections.shuffle(shown, random);
        lines.add(shown.get(0) + " " + shown.get(1) + " " + shown.get(2)); // last column: the odd one
        same.add(SyntheticData.triplet("f" + lines.size(), shown.stream().map(ids::get).toList(), 2));
      }
    }
    Path file = dir.resolve("noise_ceiling_triplets.txt");
    Files.write(file, lines);
    double[] expected = BatchReference.ceiling(same);

    CeilingView view = CeilingConfig.defaults().withMinRepeatedTriplets(10)
        .withTripletFile(file, ConceptList.of(ids)).resolve(streamed(List.of()));

    assertThat(view.source()).isEqualTo("file:noise_ceiling_triplets.txt");
    assertThat(view.repeatedTriplets()).isEqualTo(BatchReference.repeatedGroups(same));
    assertThat(view.responses()).isEqualTo(lines.size());
    assertThat(view.value()).isCloseTo(expected[0], within(1e-12));
    assertThat(view.triplets()).isZero();

    Path unique = dir.resolve("unique.txt");
    Files.write(unique, List.of("0 1 2", "3 4 5"));
    assertThatThrownBy(() -> CeilingConfig.defaults().withTripletFile(unique, ConceptList.of(ids)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("no triplet repeats");
  }

  @Test
  void aDocumentedConstantIsShownWithItsSource() {
    CeilingView view = CeilingConfig.defaults().withConstant(0.673)
        .resolve(streamed(List.of(SyntheticData.triplet("a", List.of("x", "y", "z"), 0))));
    assertThat(view.value()).isEqualTo(0.673);
    assertThat(view.source()).contains("Hebart et al. 2020");
    assertThat(view.ciLow()).isNull();
    assertThat(view.repeatedTriplets()).isNull();
    assertThat(CeilingConfig.defaults().withConstant(0.7).resolve(streamed(List.of())).source())
        .doesNotContain("Hebart");
    assertThatThrownBy(() -> CeilingConfig.defaults().withConstant(0.3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above chance");
  }
}
