package io.alignstream.scorer.stream;

import java.util.List;

/**
 * A validated human response as the scorer keeps it: three distinct item ids in the order shown
 * and the position (0..2) of the item the subject chose as the odd one out. Nothing else of the
 * {@code TripletJudgment} changes a score, so nothing else is stored or broadcast.
 */
record Triplet(List<String> items, int oddPosition) {

  Triplet {
    items = List.copyOf(items);
    if (items.size() != 3 || oddPosition < 0 || oddPosition > 2) {
      throw new IllegalArgumentException("a triplet has 3 items and an odd position 0..2, got " + items
          + " and " + oddPosition);
    }
  }

  String[] itemArray() {
    return items.toArray(new String[0]);
  }
}
