package io.alignstream.extractor.diffusion;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded map that forgets the least recently used entry when full: the extractor's latent
 * and text caches, which must not grow with the length of a run. Capacity 0 caches nothing.
 * Not thread-safe (the feature model serialises its calls).
 */
public final class LruCache<K, V> {

  private final int capacity;
  private final LinkedHashMap<K, V> entries;

  public LruCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("cache capacity must be >= 0, got " + capacity);
    }
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > LruCache.this.capacity;
      }
    };
  }

  /** The value, marking it most recently used; null when absent. */
  public V get(K key) {
    return entries.get(key);
  }

  public void put(K key, V value) {
    if (capacity > 0) {
      entries.put(key, value);
    }
  }

  public int size() {
    return entries.size();
  }

  int capacity() {
    return capacity;
  }
}
