package io.alignstream.common;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * The canonical string form of a {@link Setting}: {@code model|layer|noise|conditioning},
 * e.g. {@code tiny|Down1|0.2|TEXT}. It is the Kafka key of the embeddings and metrics topics,
 * so equal settings must always give equal strings: the noise level is written with the
 * fewest digits that round-trip (0.2, not 0.20000000000000001).
 */
public final class SettingKey {

  private static final char SEPARATOR = '|';

  private SettingKey() {}

  public static String of(Setting setting) {
    return of(setting.getModelId(), setting.getLayer(), setting.getNoiseLevel(), setting.getConditioning());
  }

  public static String of(String modelId, String layer, double noiseLevel, Conditioning conditioning) {
    requireNoSeparator("model id", modelId);
    requireNoSeparator("layer", layer);
    return modelId + SEPARATOR + layer + SEPARATOR + formatNoise(noiseLevel) + SEPARATOR + conditioning.name();
  }

  /** Parses a key back into its parts; the timestep is not part of the key and comes back as -1. */
  public static Setting parse(String key) {
    String[] parts = key.split("\\|", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException(
          "setting key '" + key + "' must have 4 parts model|layer|noise|conditioning, found " + parts.length);
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
