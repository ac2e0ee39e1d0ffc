package io.alignstream.extractor.sd3;

import io.alignstream.extractor.diffusion.unet.Tap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The taps of an SD3 transformer and the parsing of a tap list such as {@code "default"},
 * {@code "Block3,Block12"}, {@code "blocks,contexts"} or {@code "transformer_blocks.5.context"}.
 * Blocks are named {@code Block0 .. Block{n-1}} (image-token stream of
 * {@code transformer_blocks.i}), their text streams {@code Context0 .. Context{n-2}} (the last
 * block keeps none).
 */
public final class Sd3Taps {

  private Sd3Taps() {}

  /** docs/method.md's SD3 default: every block's image-token stream, in order. */
  public static List<Tap> blocks(Sd3TransformerConfig config) {
    List<Tap> taps = new ArrayList<>();
    for (int i = 0; i < config.layers(); i++) {
      taps.add(new Tap("Block" + i, "transformer_blocks." + i));
    }
    return List.copyOf(taps);
  }

  /** The text-token stream of every block but the last. */
  public static List<Tap> contexts(Sd3TransformerConfig config) {
    List<Tap> taps = new ArrayList<>();
    for (int i = 0; i < config.layers() - 1; i++) {
      taps.add(new Tap("Context" + i, "transformer_blocks." + i + ".context"));
    }
    return List.copyOf(taps);
  }

  /**
   * Parses a comma-separated list of "default" or "blocks" (every Block), "contexts", "all"
   * (every module path), names (Block3, Context0; any case) and module paths, in order, without
   * duplicates.
   *
   * @throws IllegalArgumentException naming the unknown entry and what is valid
   */
  public static List<Tap> parse(String spec, Sd3TransformerConfig config) {
    Map<String, Tap> byPath = new LinkedHashMap<>();
    for (String raw : spec.split(",")) {
      String item = raw.trim();
      if (!item.isEmpty()) {
        for (Tap t : resolve(item, config)) {
          byPath.putIfAbsent(t.path(), t);
        }
      }
    }
    if (byPath.isEmpty()) {
      throw new IllegalArgumentException("no taps in '" + spec + "'; " + valid(config));
    }
    return List.copyOf(byPath.values());
  }

  private static List<Tap> resolve(String item, Sd3TransformerConfig config) {
    if (item.equalsIgnoreCase("default") || item.equalsIgnoreCase("blocks")) {
      return blocks(config);
    }
    if (item.equalsIgnoreCase("contexts")) {
      return contexts(config);
    }
    if (item.equalsIgnoreCase("all")) {
      List<Tap> named = new ArrayList<>(blocks(config));
      named.addAll(contexts(config));
      return config.modulePaths().stream().map(p -> named.stream().filter(t -> t.path().equals(p)).findFirst()
          .orElse(Tap.of(p))).toList();
    }
    List<Tap> named = new ArrayList<>(blocks(config));
    named.addAll(contexts(config));
    for (Tap t : named) {
      if (t.name().equalsIgnoreCase(item) || t.path().equals(item)) {
        return List.of(t);
      }
    }
    requireValid(List.of(item), config);
    return List.of(Tap.of(item));
  }

  /** Fails unless every path is a module the transformer runs. */
  public static void requireValid(List<String> paths, Sd3TransformerConfig config) {
    for (String p : paths) {
      if (!config.modulePaths().contains(p)) {
        throw new IllegalArgumentException("unknown tap '" + p + "'; " + valid(config));
      }
    }
  }

  private static String valid(Sd3TransformerConfig config) {
    return "valid: default (= blocks), contexts, all, Block0..Block" + (config.layers() - 1) + ", Context0..Context"
        + (config.layers() - 2) + ", or a module path: " + String.join(", ", config.modulePaths());
  }
}
