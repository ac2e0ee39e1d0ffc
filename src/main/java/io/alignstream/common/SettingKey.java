package io.alignstream.common;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * The canonical string form of a {@link Setting}, the Kafka key of the embeddings and metrics
 * topics, so equal settings must always give equal strings. A setting has one of two forms
 * (docs/architecture.md, "Settings"):
 *
 * <ul>
 *   <li>a <b>diffusion</b> setting {@code model|layer|noise|conditioning}, e.g. {@code
 *       tiny|Down1|0.2|TEXT}: the noise level written with the fewest digits that round-trip
 *       (0.2, not 0.20000000000000001); the pixel baseline and precomputed features use this form
 *       with noise 0 and NONE;
 *   <li>a <b>pooled</b> setting {@code model|layer|pooling}, e.g. {@code resnet|layer4|mean}, for
 *       vision models without noise or text: no noise level, timestep or conditioning exists for
 *       them, and the pooling is part of the setting (the same layer pooled two ways is two
 *       settings).
 * </ul>
 *
 * The number of parts tells the forms apart.
 */
public final class SettingKey {

  private static final char SEPARATOR = '|';

  private SettingKey() {}

  /**
   * @throws IllegalArgumentException for a setting that is neither form (pooling together with a
   *     noise level or conditioning, or a diffusion setting missing either)
   */
  public static String of(Setting setting) {
    if (isPooled(setting)) {
      if (setting.getNoiseLevel() != null || setting.getTimestep() != null || setting.getConditioning() != null) {
        throw new IllegalArgumentException("setting of " + setting.getModelId() + " layer " + setting.getLayer()
            + " has pooling '" + setting.getPooling() + "' and a noise level, timestep or conditioning; a pooled "
            + "setting has none of them");
      }
      return ofPooled(setting.getModelId(), setting.getLayer(), setting.getPooling());
    }
    if (setting.getNoiseLevel() == null || setting.getConditioning() == null) {
      throw new IllegalArgumentException("setting of " + setting.getModelId() + " layer " + setting.getLayer()
          + " has neither a pooling nor a noise level and conditioning");
    }
    return of(setting.getModelId(), setting.getLayer(), setting.getNoiseLevel(), setting.getConditioning());
  }

  /** The key of a diffusion setting. */
  public static String of(String modelId, String layer, double noiseLevel, Conditioning conditioning) {
    requireNoSeparator("model id", modelId);
    requireNoSeparator("layer", layer);
    return modelId + SEPARATOR + layer + SEPARATOR + formatNoise(noiseLevel) + SEPARATOR + conditioning.name();
  }

  /** The key of a pooled setting. */
  public static String ofPooled(String modelId, String layer, String pooling) {
    requireNoSeparator("model id", modelId);
    requireNoSeparator("layer", layer);
    requireNoSeparator("pooling", pooling);
    return modelId + SEPARATOR + layer + SEPARATOR + pooling;
  }

  /** A pooled setting: (model, layer, pooling), no noise level, timestep or conditioning. */
  public static Setting pooled(String modelId, String layer, String pooling) {
    ofPooled(modelId, layer, pooling); // the key's rules
    return Setting.newBuilder().setModelId(modelId).setLayer(layer).setPooling(pooling).build();
  }

  /** Whether a setting is of the pooled form (its pooling is set). */
  public static boolean isPooled(Setting setting) {
    return setting.getPooling() != null;
  }

  /**
   * Parses a key back into its parts; in a diffusion setting the timestep is not part of the key
   * and comes back as -1.
   */
  public static Setting parse(String key) {
    String[] parts = key.split("\\|", -1);
    if (parts.length == 3) {
      if (parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
        throw new IllegalArgumentException("setting key '" + key + "' has an empty part");
      }
      return pooled(parts[0], parts[1], parts[2]);
    }
    if (parts.length != 4) {
      throw new IllegalArgumentException("setting key '" + key + "' must have 4 parts model|layer|noise|conditioning "
          + "or 3 parts model|layer|pooling, found " + parts.length);
    }
    double noise;
    try {
      noise = Double.parseDouble(parts[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("setting key '" + key + "': noise level '" + parts[2] + "' is not a number");
    }
    Conditioning conditioning;
    try {
      conditioning = Conditioning.valueOf(parts[3].toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "setting key '" + key + "': conditioning '" + parts[3] + "' is not NONE or TEXT");
    }
    return Setting.newBuilder()
        .setModelId(parts[0])
        .setLayer(parts[1])
        .setNoiseLevel(noise)
        .setTimestep(-1)
        .setConditioning(conditioning)
        .build();
  }

  /**
   * What a setting is computed under beyond model and layer, for tables and labels: {@code
   * s=0.2 TEXT} for a diffusion setting, {@code pool cls} for a pooled one.
   */
  public static String describe(Setting setting) {
    return isPooled(setting)
        ? "pool " + setting.getPooling()
        : "s=" + formatNoise(setting.getNoiseLevel()) + " " + setting.getConditioning();
  }

  /** The conditioning's name, null in a pooled setting. */
  public static String conditioning(Setting setting) {
    return setting.getConditioning() == null ? null : setting.getConditioning().name();
  }

  /** Shortest decimal that round-trips, without exponent: 0 -> "0", 0.2 -> "0.2", 0.01 -> "0.01". */
  public static String formatNoise(double noiseLevel) {
    if (!Double.isFinite(noiseLevel)) {
      throw new IllegalArgumentException("noise level must be finite, got " + noiseLevel);
    }
    return new BigDecimal(Double.toString(noiseLevel)).stripTrailingZeros().toPlainString();
  }

  private static void requireNoSeparator(String what, String value) {
    if (value == null || value.isEmpty() || value.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException(what + " '" + value + "' must be non-empty and must not contain '|'");
    }
  }
}
