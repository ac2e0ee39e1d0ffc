package io.alignstream.scorer.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dense int ids for item strings, so triplets and vector rows are plain int arrays instead of
 * maps of strings: an embedding touches hundreds of triplets and each lookup must be cheap.
 */
final class ItemIds {

  private final Map<String, Integer> ids = new HashMap<>();
  private final List<String> names = new ArrayList<>();

  /** The id of {@code item}, assigning the next one when it is new. */
  int intern(String item) {
    Integer id = ids.get(item);
    if (id != null) {
      return id;
    }
    int next = names.size();
    ids.put(item, next);
    names.add(item);
    return next;
  }

  /** The id of {@code item}, or -1 when it was never seen. */
  int find(String item) {
    Integer id = ids.get(item);
    return id == null ? -1 : id;
  }

  String name(int id) {
    return names.get(id);
  }

  int size() {
    return names.size();
  }
}
