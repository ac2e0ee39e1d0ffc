package io.alignstream.scorer.stream;

/** Triplet evaluations in one time pane of one setting, and how many the model got right. */
record PaneCounts(long correct, long total) {

  static final PaneCounts EMPTY = new PaneCounts(0, 0);

  PaneCounts plus(long moreCorrect, long moreTotal) {
    return new PaneCounts(correct + moreCorrect, total + moreTotal);
  }
}
