package io.alignstream.scorer.state;

import java.util.Arrays;
import java.util.BitSet;

/** A setting's new items that wait to be scored, in arrival order, each with its stream time. */
final class PendingItems {

  private int[] items = new int[16];
  private long[] times = new long[16];
  private final BitSet present = new BitSet();
  private int size;

  void add(int item, long time) {
    if (size == items.length) {
      items = Arrays.copyOf(items, size * 2);
      times = Arrays.copyOf(times, size * 2);
    }
    items[size] = item;
    times[size] = time;
    present.set(item);
    size++;
  }

  int size() {
    return size;
  }

  int item(int index) {
    return items[index];
  }

  long time(int index) {
    return times[index];
  }

  boolean contains(int item) {
    return present.get(item);
  }

  void clear() {
    size = 0;
    present.clear();
  }
}
