package io.alignstream.scorer.state;

import io.alignstream.schema.Setting;
import java.util.BitSet;

/**
 * What the scorer knows about one setting. Counts, the set of embedded items and the time of
 * the last change stay in memory for good; the vectors ({@link VectorMatrix}) may be dropped
 * from memory under the cache budget and reloaded from the state store.
 */
public final class SettingState {

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
  private long inputVersion;
  /** Wall-clock time of the last such change (analyses wait for the inputs to be quiet). */
  private long inputChangedAt;

  /** Stream time of the last change to this setting's metric. */
  private long lastChange = -1;

  VectorMatrix matrix;

  SettingState(String key, Setting setting, int dim) {
    this.key = key;
    this.setting = setting;
    this.dim = dim;
  }

  public String key() {
    return key;
  }

  public Setting setting() {
    return setting;
  }

  /** Length of every vector of the setting (fixed by its first embedding). */
  public int dim() {
    return dim;
  }

  public int embeddedCount() {
    return embeddedCount;
  }

  public long total() {
    return total;
  }

  public long correct() {
    return correct;
  }

  public long inputVersion() {
    return inputVersion;
  }

  public long inputChangedAt() {
    return inputChangedAt;
  }

  public long lastChange() {
    return lastChange;
  }

  /** The setting's metric changed at {@code streamTime}, and with it its analysis inputs. */
  public void changed(long streamTime, long wallClockNow) {
    lastChange = streamTime;
    inputsChanged(wallClockNow);
  }

  /** The setting's analysis inputs moved (its vectors, or the triplets every setting shares). */
  public void inputsChanged(long wallClockNow) {
    inputVersion++;
    inputChangedAt = wallClockNow;
  }

  /** After a restart: the stream time of the metric last published. */
  public void restoreLastChange(long streamTime) {
    lastChange = streamTime;
  }
}
