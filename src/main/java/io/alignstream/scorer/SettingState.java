package io.alignstream.scorer;

import io.alignstream.schema.Setting;
import java.util.BitSet;

/**
 * What the scorer knows about one setting. Counts, the set of embedded items and the time of
 * the last change stay in memory for good; the vectors ({@link VectorMatrix}) may be dropped
 * from memory under the cache budget and reloaded from the state store.
 */
final class SettingState {

  final String key;
  final Setting setting;
  final int dim;

  /** Items with a vector in this setting (valid once {@link #countsKnown}). */
  final BitSet embedded = new BitSet();
  int embeddedCount;

  /** Triplets whose three items are embedded here, and those the model gets right. */
  long total;
  long correct;

  /**
   * False after a restart until the vectors were reloaded and every triplet re-evaluated: the
   * counts are derived state, rebuilt from the changelogged vectors and triplets rather than
   * stored, so they can never disagree with them.
   */
  boolean countsKnown;

  /**
   * Bumped by every change to the setting's analysis inputs (its vectors, its triplets, the
   * referenced objects): the analysis schedules look at a setting again only after it moved.
   */
  long inputVersion;
  /** Wall-clock time of the last such change (analyses wait for the inputs to be quiet). */
  long inputChangedAt;

  /** Stream time of the last change to this setting's metric. */
  long lastChange = -1;

  VectorMatrix matrix;

  SettingState(String key, Setting setting, int dim) {
    this.key = key;
    this.setting = setting;
    this.dim = dim;
  }
}
