package io.alignstream.scorer;

import io.alignstream.schema.TripletJudgment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The independent batch computation the scorer is checked against: plain loops over double
 * arrays, written the way the reference code reads. Each triplet is reordered with the human's
 * odd one last; the pairs (0,1), (0,2), (1,2) get cosine (or dot) similarities; all three equal
 * counts wrong, otherwise the FIRST most similar pair gives the model's odd one (argmin of the
 * distances in the reference); the model is right when that is position 2.
 */
public final class BatchReference {

  private BatchReference() {}

  public record Score(long correct, long total) {}

  /** Scores every triplet whose three items have vectors. */
  public static Score score(Map<String, float[]> vectors, Collection<TripletJudgment> triplets, boolean cosine) {
    long correct = 0;
    long total = 0;
    for (TripletJudgment t : triplets) {
      List<String> items = t.getItems();
      int odd = t.getOddOneOut();
      List<String> ordered = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        if (p != odd) {
          ordered.add(items.get(p));
        }
      }
      ordered.add(items.get(odd));
      double[][] x = new double[3][];
      boolean complete = true;
      for (int p = 0; p < 3; p++) {
        float[] v = vectors.get(ordered.get(p));
        if (v == null) {
          complete = false;
          break;
        }
        x[p] = new double[v.length];
        for (int i = 0; i < v.length; i++) {
          x[p][i] = v[i];
        }
      }
      if (!complete) {
        continue;
      }
      total++;
      int[][] pairs = {{0, 1}, {0, 2}, {1, 2}};
      double[] sims = new double[3];
      for (int q = 0; q < 3; q++) {
        sims[q] = cosine ? cosine(x[pairs[q][0]], x[pairs[q][1]]) : dot(x[pairs[q][0]], x[pairs[q][1]]);
      }
      if (sims[0] == sims[1] && sims[1] == sims[2]) {
        continue; // all equal: wrong
      }
      int best = 0;
      for (int q = 1; q < 3; q++) {
        if (sims[q] > sims[best]) {
          best = q;
        }
      }
      int modelOdd = 3 - pairs[best][0] - pairs[best][1];
      if (modelOdd == 2) {
        correct++;
      }
    }
    return new Score(correct, total);
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double cosine(double[] a, double[] b) {
    double na = Math.sqrt(dot(a, a));
    double nb = Math.sqrt(dot(b, b));
    if (na == 0 || nb == 0) {
      return 0;
    }
    return dot(a, b) / (na * nb);
  }

  /**
   * Noise ceiling and its leave-one-out variant by brute force: for every response of every
   * group of two or more responses to the same item set, the majority choice (as an item) of
   * the group (or of the other responses), ties split evenly. Null when nothing repeats.
   */
  public static double[] ceiling(Collection<TripletJudgment> triplets) {
    Map<List<String>, List<String>> choicesByGroup = groups(triplets);
    double agreement = 0;
    double leaveOneOut = 0;
    long responses = 0;
    for (List<String> choices : choicesByGroup.values()) {
      if (choices.size() < 2) {
        continue;
      }
      for (int r = 0; r < choices.size(); r++) {
        agreement += majorityWeight(choices, choices.get(r), -1);
        leaveOneOut += majorityWeight(choices, choices.get(r), r);
        responses++;
      }
    }
    if (responses == 0) {
      return null;
    }
    return new double[] {agreement / responses, leaveOneOut / responses};
  }

  /** Groups (the same three items, any order) answered at least twice. */
  public static long repeatedGroups(Collection<TripletJudgment> triplets) {
    return groups(triplets).values().stream().filter(c -> c.size() >= 2).count();
  }

  /**
   * The ceiling's 95% interval computed directly from the groups: the ceiling c = sum a_g /
   * sum n_g with a_g the group's agreements, and the cluster (delta-method) variance
   * G/(G-1) sum (a_g - c n_g)^2 / (sum n_g)^2.
   */
  public static double[] ceilingInterval(Collection<TripletJudgment> triplets) {
    List<double[]> sizesAndAgreements = new ArrayList<>();
    for (List<String> choices : groups(triplets).values()) {
      if (choices.size() >= 2) {
        double a = 0;
        for (String choice : choices) {
          a += majorityWeight(choices, choice, -1);
        }
        sizesAndAgreements.add(new double[] {choices.size(), a});
      }
    }
    double n = sizesAndAgreements.stream().mapToDouble(g -> g[0]).sum();
    double c = sizesAndAgreements.stream().mapToDouble(g -> g[1]).sum() / n;
    double residuals = sizesAndAgreements.stream().mapToDouble(g -> (g[1] - c * g[0]) * (g[1] - c * g[0])).sum();
    double groups = sizesAndAgreements.size();
    double half = 1.959963984540054 * Math.sqrt(groups / (groups - 1) * residuals / (n * n));
    return new double[] {c - half, c + half};
  }

  private static Map<List<String>, List<String>> groups(Collection<TripletJudgment> triplets) {
    Map<List<String>, List<String>> choicesByGroup = new HashMap<>();
    for (TripletJudgment t : triplets) {
      List<String> group = new ArrayList<>(t.getItems());
      group.sort(null);
      choicesByGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(t.getItems().get(t.getOddOneOut()));
    }
    return choicesByGroup;
  }

  /** 1/k when {@code choice} is among the k most frequent choices (skipping index {@code skip}), else 0. */
  private static double majorityWeight(List<String> choices, String choice, int skip) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < choices.size(); i++) {
      if (i != skip) {
        counts.merge(choices.get(i), 1, Integer::sum);
      }
    }
    int max = counts.values().stream().max(Integer::compare).orElse(0);
    long tied = counts.values().stream().filter(c -> c == max).count();
    return counts.getOrDefault(choice, 0) == max ? 1.0 / tied : 0;
  }

  static float[] copy(float[] v) {
    return Arrays.copyOf(v, v.length);
  }
}
