package io.alignstream.extractor.diffusion.unet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named sets of taps and the parsing of a tap list such as {@code "paper"},
 * {@code "Down1,Mid"} or {@code "down_blocks.1.attentions.0,out"}.
 *
 * <p>The module paths a UNet can tap are {@link UNetConfig#modulePaths()}: {@code time_proj},
 * {@code time_embedding}, {@code conv_in}; each block output ({@code down_blocks.N} = the hidden
 * state after its downsampler, {@code mid_block}, {@code up_blocks.N} = after its upsampler);
 * every resnet, transformer ({@code attentions.J}) and resampler inside the blocks; and
 * {@code out} (conv_out, the noise prediction).
 */
public final class Taps {

  private Taps() {}

  /**
   * The nine layers of the seed paper (and docs/method.md), shallow to deep to shallow: the second
   * resnet of each down block (Down0..Down3), the mid block (Mid), and the second resnet of each
   * up block (Up0..Up3, deepest first as diffusers numbers them).
   */
  public static List<Tap> paper(UNetConfig config) {
    List<Tap> taps = new ArrayList<>();
    for (int i = 0; i < config.levels(); i++) {
      taps.add(new Tap("Down" + i, "down_blocks." + i + ".resnets.1"));
    }
    taps.add(new Tap("Mid", "mid_block"));
    for (int i = 0; i < config.levels(); i++) {
      taps.add(new Tap("Up" + i, "up_blocks." + i + ".resnets.1"));
    }
    return List.copyOf(taps);
  }

  /**
   * Every block output and every resnet, transformer and resampler inside them, plus conv_in and
   * out, in execution order (the time embeddings are left out: they are not image features).
   */
  public static List<Tap> all(UNetConfig config) {
    return config.modulePaths().stream().filter(p -> !p.startsWith("time_")).map(Tap::of).toList();
  }

  /**
   * Parses a comma-separated list of "paper", "all", paper display names (Down0..Up3, Mid, any
   * case) and module paths, in order, without duplicates.
   *
   * @throws IllegalArgumentException naming the unknown entry and listing what is valid
   */
  public static List<Tap> parse(String spec, UNetConfig config) {
    Map<String, Tap> byPath = new LinkedHashMap<>();
    for (String raw : spec.split(",")) {
      String item = raw.trim();
      if (item.isEmpty()) {
        continue;
      }
      for (Tap t : resolve(item, config)) {
        byPath.putIfAbsent(t.path(), t);
      }
    }
    if (byPath.isEmpty()) {
      throw new IllegalArgumentException("no taps in '" + spec + "'; " + validDescription(config));
    }
    return List.copyOf(byPath.values());
  }

  private static List<Tap> resolve(String item, UNetConfig config) {
    if (item.equalsIgnoreCase("paper")) {
      return paper(config);
    }
    if (item.equalsIgnoreCase("all")) {
      return all(config);
    }
    for (Tap t : paper(config)) {
      if (t.name().equalsIgnoreCase(item)) {
        return List.of(t);
      }
    }
    requireValid(List.of(item), config);
    return List.of(Tap.of(item));
  }

  /** The module paths of taps, in order (what {@link UNet#forward} takes). */
  public static List<String> paths(List<Tap> taps) {
    return taps.stream().map(Tap::path).toList();
  }

  /** Fails unless every path is a module the config's UNet runs. */
  public static void requireValid(List<String> paths, UNetConfig config) {
    List<String> valid = config.modulePaths();
    for (String p : paths) {
      if (!valid.contains(p)) {
        throw new IllegalArgumentException("unknown tap '" + p + "'; " + validDescription(config));
      }
    }
  }

  private static String validDescription(UNetConfig config) {
    return "valid: paper, all, " + String.join(", ", paper(config).stream().map(Tap::name).toList())
        + ", or a module path: " + String.join(", ", config.modulePaths());
  }
}
