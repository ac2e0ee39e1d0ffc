package io.alignstream.extractor.vision;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which layers of a vision model to publish, and how each is pooled: {@code --layers} (default:
 * the layers the model exports, i.e. the TorchScript module's outputs or the ONNX graph's outputs;
 * all: every value the model can give; or a comma list of names) and {@code --pool} (default: each
 * layer's kind's default, see {@link LayerPooling}; or a comma list of entries {@code POOLING},
 * applied to every layer whose kind it fits, and {@code LAYER=POOLING}, for that layer only;
 * several entries for one layer give several settings).
 *
 * @param targets each (layer, pooling) pair, the settings the model publishes, in layer order
 */
public record LayerSelection(List<Target> targets) {

  /** One setting's layer and pooling. */
  public record Target(String layer, LayerPooling pooling) {

    /** The name a pooled network ({@link LayerNetwork#pooled}) gives this target's vectors: layer.pooling. */
    public String key() {
      return layer + "." + pooling.label();
    }
  }

  public LayerSelection {
    targets = List.copyOf(targets);
  }

  /** The distinct layers, in order. */
  public List<String> layers() {
    return targets.stream().map(Target::layer).distinct().toList();
  }

  /**
   * The layer names a {@code --layers} value asks for.
   *
   * @param exported the layers the model exports (its outputs)
   * @param all every value the model can give
   * @throws IllegalArgumentException for a name the model does not have, listing the closest names
   */
  public static List<String> names(String spec, List<String> exported, List<String> all) {
    String s = spec == null ? "default" : spec.trim();
    if (s.isEmpty() || s.equalsIgnoreCase("default")) {
      return exported;
    }
    if (s.equalsIgnoreCase("all")) {
      return all;
    }
    Set<String> names = new LinkedHashSet<>();
    for (String item : s.split(",")) {
      String name = item.trim();
      if (!all.contains(name)) {
        throw new IllegalArgumentException("the model has no layer '" + name + "'; closest: "
            + String.join(", ", closest(name, all, 5)) + " (alignstream layers --model M lists them all)");
      }
      names.add(name);
    }
    return List.copyOf(names);
  }

  /**
   * Pairs each layer with its poolings.
   *
   * @param shapes each selected layer's output shape [N, ...], in layer order
   * @param allowNone whether raw outputs may be asked for ({@code features --pool none}); the
   *     extractor needs vectors
   */
  public static LayerSelection of(Map<String, long[]> shapes, String poolSpec, boolean allowNone) {
    List<LayerPooling> bare = new ArrayList<>();
    Map<String, List<LayerPooling>> named = new LinkedHashMap<>();
    String spec = poolSpec == null ? "default" : poolSpec.trim();
    if (!spec.isEmpty() && !spec.equalsIgnoreCase("default")) {
      for (String item : spec.split(",")) {
        int eq = item.lastIndexOf('=');
        if (eq < 0) {
          bare.add(LayerPooling.parse(item));
          continue;
        }
        String layer = item.substring(0, eq).trim();
        if (!shapes.containsKey(layer)) {
          throw new IllegalArgumentException("--pool names layer '" + layer + "', which is not selected; selected: "
              + String.join(", ", shapes.keySet()));
        }
        named.computeIfAbsent(layer, k -> new ArrayList<>()).add(LayerPooling.parse(item.substring(eq + 1)));
      }
    }
    List<Target> targets = new ArrayList<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      String layer = e.getKey();
      if (allowNone && bare.contains(LayerPooling.NONE) && !named.containsKey(layer)) {
        targets.add(new Target(layer, LayerPooling.NONE));
        continue;
      }
      LayerPooling.Kind kind = LayerPooling.Kind.of(layer, e.getValue());
      List<LayerPooling> poolings = named.getOrDefault(layer, bare.stream().filter(kind.poolings::contains).toList());
      if (poolings.isEmpty()) {
        poolings = List.of(kind.defaultPooling);
      }
      for (LayerPooling p : new LinkedHashSet<>(poolings)) {
        if (!kind.poolings.contains(p) && !(allowNone && p == LayerPooling.NONE)) {
          throw new IllegalArgumentException("layer " + layer + " is a " + kind.describe() + " (" 
              + java.util.Arrays.toString(e.getValue()) + "); pooling " + p.label() + " does not apply, use "
              + String.join(" or ", kind.poolings.stream().map(LayerPooling::label).toList()));
        }
        targets.add(new Target(layer, p));
      }
    }
    return new LayerSelection(targets);
  }

  /** The names nearest to {@code name} by edit distance (ties: shorter, then alphabetical). */
  static List<String> closest(String name, List<String> names, int count) {
    return names.stream()
        .sorted(Comparator.<String>comparingInt(n -> editDistance(name, n)).thenComparingInt(String::length)
            .thenComparing(Comparator.naturalOrder()))
        .limit(count).toList();
  }

  /** Levenshtein distance. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
