package io.alignstream.producer;

import io.alignstream.common.Digests;
import io.alignstream.common.RequestRules;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The noise settings every image of a publication is requested under, and their digest.
 *
 * <p>The lists are canonical (sorted, without duplicates), because the extractor computes the
 * same records whatever order they were given in; equal settings therefore always give the same
 * digest and the same request keys, and republishing them replaces (compacts) the old requests
 * instead of adding new ones. When timesteps are given they replace the noise levels (as the
 * ExtractionRequest schema says), so the noise levels are dropped.
 *
 * @param noiseLevels noise levels s (the values {@link RequestRules} accepts)
 * @param timesteps explicit timesteps; when non-empty they replace the noise levels
 * @param conditionings NONE and/or TEXT
 * @param seed seed of the one posterior sample and noise draw per image
 * @param resolution shorter side resized to this many pixels (a multiple of 8: the VAE downsamples by 8)
 * @param latent posterior sample or mean
 */
public record ExtractionSettings(
    List<Double> noiseLevels, List<Integer> timesteps, List<Conditioning> conditionings,
    long seed, int resolution, LatentMode latent) {

  /** The seed paper's noise levels: 0, 0.01 and 0.1 .. 0.9. */
  public static final List<Double> DEFAULT_NOISE_LEVELS =
      List.of(0.0, 0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);
  public static final int DEFAULT_RESOLUTION = 512;

  public ExtractionSettings {
    RequestRules.check(noiseLevels, timesteps, conditionings, resolution, latent);
    timesteps = timesteps.stream().distinct().sorted().toList();
    noiseLevels = timesteps.isEmpty() ? noiseLevels.stream().distinct().sorted().toList() : List.of();
    conditionings = conditionings.stream().distinct().sorted().toList();
  }

  /** The seed paper's protocol: noise 0, 0.01, 0.1..0.9, both conditionings, seed 0, 512 pixels, sampled latent. */
  public static ExtractionSettings defaults() {
    return new ExtractionSettings(DEFAULT_NOISE_LEVELS, List.of(), List.of(Conditioning.NONE, Conditioning.TEXT),
        0, DEFAULT_RESOLUTION, LatentMode.SAMPLE);
  }

  /**
   * The canonical text the digest is taken over, e.g.
   * {@code noise_levels=0,0.1;timesteps=;conditionings=NONE,TEXT;seed=0;resolution=512;latent=SAMPLE}.
   * Noise levels are written as in setting keys (shortest round-trip decimal).
   */
  public String canonicalString() {
    return "noise_levels=" + noiseLevels.stream().map(SettingKey::formatNoise).collect(Collectors.joining(","))
        + ";timesteps=" + timesteps.stream().map(String::valueOf).collect(Collectors.joining(","))
        + ";conditionings=" + conditionings.stream().map(Enum::name).collect(Collectors.joining(","))
        + ";seed=" + seed
        + ";resolution=" + resolution
        + ";latent=" + latent.name();
  }

  /** First 16 hex digits of the SHA-256 of {@link #canonicalString()}. */
  public String digest() {
    return Digests.sha256Hex(canonicalString()).substring(0, 16);
  }

  /** The request key of an image under these settings: image id + '@' + digest. */
  public String requestId(String imageId) {
    return imageId + "@" + digest();
  }
}
