package io.alignstream.scorer.stream;

import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.state.AnalysisInputs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * A setting's analysis inputs built directly from test data, for running the engines outside
 * the scorer: the referenced objects sorted by id, each triplet as {i, j, k} with i < j the
 * human pair and k the odd one, rows sorted.
 */
record AnalysisReference(List<String> objects, float[][] features, int[][] triplets) {

  static AnalysisReference of(SyntheticData data, String settingKey) {
    Set<String> referenced = new HashSet<>();
    data.triplets.forEach(t -> referenced.addAll(t.getItems()));
    TreeMap<String, float[]> sorted = new TreeMap<>();
    data.vectors.get(settingKey).forEach((item, v) -> {
      if (referenced.contains(item)) {
        sorted.put(item, v);
      }
    });
    List<String> objects = new ArrayList<>(sorted.keySet());
    List<int[]> rows = new ArrayList<>();
    for (TripletJudgment t : data.triplets) {
      List<Integer> pair = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        if (p != t.getOddOneOut()) {
          pair.add(objects.indexOf(t.getItems().get(p)));
        }
      }
      Collections.sort(pair);
      rows.add(new int[] {pair.get(0), pair.get(1), objects.indexOf(t.getItems().get(t.getOddOneOut()))});
    }
    rows.sort(AnalysisInputs.ROW_ORDER);
    return new AnalysisReference(objects, sorted.values().toArray(new float[0][]), rows.toArray(new int[0][]));
  }
}
