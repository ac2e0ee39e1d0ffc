package io.alignstream.scorer.state;

import io.alignstream.scorer.ceiling.NoiseCeiling;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Every known triplet of a task, indexed by item so that an embedding finds the triplets it
 * touches without scanning the whole set. A triplet is stored as its human pair (the two items
 * the subject kept together) and the human's odd item, all as {@link ItemIds} ids, in slots of
 * parallel int arrays; freed slots are reused.
 */
final class TripletIndex {

  private final ItemIds items;
  private final Map<String, Integer> slotById = new HashMap<>();
  private final NoiseCeiling ceiling = new NoiseCeiling();

  private String[] ids = new String[1024];
  private int[] pairA = new int[1024];
  private int[] pairB = new int[1024];
  private int[] odd = new int[1024];
  private int slotCount;
  private int[] freeSlots = new int[16];
  private int freeCount;

  private int[][] slotsByItem = new int[256][];
  private int[] slotsByItemSize = new int[256];
  private int referencedItems;

  TripletIndex(ItemIds items) {
    this.items = items;
  }

  ItemIds items() {
    return items;
  }

  NoiseCeiling ceiling() {
    return ceiling;
  }

  /** The slot of triplet {@code id}, or -1 when unknown. */
  int slotOf(String id) {
    Integer slot = slotById.get(id);
    return slot == null ? -1 : slot;
  }

  int size() {
    return slotById.size();
  }

  /** One past the highest slot ever used; live slots satisfy {@link #isLive}. */
  int slotLimit() {
    return slotCount;
  }

  boolean isLive(int slot) {
    return ids[slot] != null;
  }

  int pairA(int slot) {
    return pairA[slot];
  }

  int pairB(int slot) {
    return pairB[slot];
  }

  int odd(int slot) {
    return odd[slot];
  }

  /** Whether the triplet in {@code slot} has the same human pair (in any order) and odd item. */
  boolean sameContent(int slot, int a, int b, int oddItem) {
    return odd[slot] == oddItem
        && ((pairA[slot] == a && pairB[slot] == b) || (pairA[slot] == b && pairB[slot] == a));
  }

  /** Adds a triplet under a new id; returns its slot. */
  int add(String id, int a, int b, int oddItem) {
    int slot = freeCount > 0 ? freeSlots[--freeCount] : nextSlot();
    ids[slot] = id;
    pairA[slot] = a;
    pairB[slot] = b;
    odd[slot] = oddItem;
    slotById.put(id, slot);
    link(a, slot);
    link(b, slot);
    link(oddItem, slot);
    ceiling.add(a, b, oddItem, oddItem);
    return slot;
  }

  void remove(int slot) {
    ceiling.remove(pairA[slot], pairB[slot], odd[slot], odd[slot]);
    unlink(pairA[slot], slot);
    unlink(pairB[slot], slot);
    unlink(odd[slot], slot);
    slotById.remove(ids[slot]);
    ids[slot] = null;
    if (freeCount == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
    }
    freeSlots[freeCount++] = slot;
  }

  /** The slots of the triplets naming {@code item}; valid up to {@link #degree}. Do not modify. */
  int[] slotsOf(int item) {
    return item < slotsByItem.length && slotsByItem[item] != null ? slotsByItem[item] : new int[0];
  }

  int degree(int item) {
    return item < slotsByItemSize.length ? slotsByItemSize[item] : 0;
  }

  boolean isReferenced(int item) {
    return degree(item) > 0;
  }

  /** Items named by at least one known triplet. */
  int referencedItems() {
    return referencedItems;
  }

  private int nextSlot() {
    if (slotCount == ids.length) {
      int capacity = slotCount * 2;
      ids = Arrays.copyOf(ids, capacity);
      pairA = Arrays.copyOf(pairA, capacity);
      pairB = Arrays.copyOf(pairB, capacity);
      odd = Arrays.copyOf(odd, capacity);
    }
    return slotCount++;
  }

  private void link(int item, int slot) {
    if (item >= slotsByItem.length) {
      int capacity = Math.max(item + 1, slotsByItem.length * 2);
      slotsByItem = Arrays.copyOf(slotsByItem, capacity);
      slotsByItemSize = Arrays.copyOf(slotsByItemSize, capacity);
    }
    int[] list = slotsByItem[item];
    int size = slotsByItemSize[item];
    if (list == null) {
      list = new int[8];
    } else if (size == list.length) {
      list = Arrays.copyOf(list, size * 2);
    }
    list[size] = slot;
    slotsByItem[item] = list;
    slotsByItemSize[item] = size + 1;
    if (size == 0) {
      referencedItems++;
    }
  }

  private void unlink(int item, int slot) {
    int[] list = slotsByItem[item];
    int size = slotsByItemSize[item];
    for (int i = 0; i < size; i++) {
      if (list[i] == slot) {
        list[i] = list[size - 1];
        slotsByItemSize[item] = size - 1;
        if (size == 1) {
          referencedItems--;
        }
        return;
      }
    }
    throw new IllegalStateException("triplet slot " + slot + " is not linked to item " + items.name(item));
  }
}
