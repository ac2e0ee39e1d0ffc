package io.alignstream.scorer.ceiling;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Agreement of human responses with the majority response of their repeated triplet: the best
 * accuracy a model can expect given how consistently people answer.
 *
 * <p>A group is every response to the same three items, whatever order they were shown in; the
 * choice is compared as an ITEM, not a position. Only groups of two or more responses count.
 *
 * <p>Ties in the majority: when k items share the highest count, the majority is taken as one
 * of them drawn uniformly, so a response choosing one of them agrees with weight 1/k. Summed
 * over a group this is exactly the highest count, so the ceiling is
 * sum(max count) / sum(group size). The leave-one-out variant compares each response with the
 * majority of the OTHER responses of its group, ties split the same way.
 *
 * <p>Agreement weights are 1, 1/2 or 1/3, so they are kept as exact integers in sixths: the
 * ceiling is the same number whatever order responses arrived or were removed in. So are the
 * per-group sums its 95% interval needs ({@link CeilingSums}): responses of one triplet are
 * not independent (they share one majority), so the interval treats groups as the sampling
 * units.
 */
public final class NoiseCeiling {

  /** The three items of a group in ascending id order. */
  private record Group(int first, int second, int third) {
    static Group of(int a, int b, int c) {
      int lo = Math.min(a, Math.min(b, c));
      int hi = Math.max(a, Math.max(b, c));
      int mid = a + b + c - lo - hi;
      return new Group(lo, mid, hi);
    }

    int position(int item) {
      return item == first ? 0 : item == second ? 1 : 2;
    }
  }

  private final Map<Group, int[]> choiceCounts = new HashMap<>();
  private long repeatedGroups;
  private long repeatedResponses;
  private long agreementSixths;
  private long leaveOneOutSixths;
  /** Sums over groups g of s_g^2, s_g n_g and n_g^2, with s_g the group's agreement in sixths and n_g its size. */
  private long squaredAgreementSixths;
  private long agreementSixthsTimesSize;
  private long squaredSizes;

  public void add(int a, int b, int c, int oddItem) {
    change(a, b, c, oddItem, +1);
  }

  public void remove(int a, int b, int c, int oddItem) {
    change(a, b, c, oddItem, -1);
  }

  /** Mean agreement with the group majority, over responses in repeated groups; empty when none repeat. */
  public OptionalDouble ceiling() {
    return sums().ceiling();
  }

  /** Leave-one-out variant; empty when no triplet repeats. */
  public OptionalDouble leaveOneOutCeiling() {
    return sums().leaveOneOutCeiling();
  }

  /** The integer sums the ceiling and its interval are computed from. */
  public CeilingSums sums() {
    return new CeilingSums(repeatedGroups, repeatedResponses, agreementSixths, leaveOneOutSixths,
        squaredAgreementSixths, agreementSixthsTimesSize, squaredSizes);
  }

  private void change(int a, int b, int c, int oddItem, int delta) {
    Group group = Group.of(a, b, c);
    int[] counts = choiceCounts.computeIfAbsent(group, g -> new int[3]);
    retract(counts);
    counts[group.position(oddItem)] += delta;
    if (counts[0] + counts[1] + counts[2] == 0) {
      choiceCounts.remove(group);
    } else {
      contribute(counts, +1);
    }
  }

  private void retract(int[] counts) {
    contribute(counts, -1);
  }

  private void contribute(int[] counts, int sign) {
    int size = counts[0] + counts[1] + counts[2];
    if (size < 2) {
      return;
    }
    int max = Math.max(counts[0], Math.max(counts[1], counts[2]));
    long leaveOneOut = 0;
    int[] others = new int[3];
    for (int choice = 0; choice < 3; choice++) {
      if (counts[choice] == 0) {
        continue;
      }
      System.arraycopy(counts, 0, others, 0, 3);
      others[choice]--;
      int otherMax = Math.max(others[0], Math.max(others[1], others[2]));
      if (others[choice] == otherMax) {
        int tied = (others[0] == otherMax ? 1 : 0) + (others[1] == otherMax ? 1 : 0) + (others[2] == otherMax ? 1 : 0);
        leaveOneOut += (long) counts[choice] * (6 / tied);
      }
    }
    repeatedGroups += sign;
    repeatedResponses += (long) sign * size;
    agreementSixths += (long) sign * 6 * max;
    squaredAgreementSixths += (long) sign * 36 * max * max;
    agreementSixthsTimesSize += (long) sign * 6 * max * size;
    squaredSizes += (long) sign * size * size;
    leaveOneOutSixths += sign * leaveOneOut;
  }
}
