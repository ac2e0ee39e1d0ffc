package io.alignstream.common;

/**
 * The pipeline's topic names, declared once. Every name is the configured prefix (default
 * {@code alignstream.}) followed by the role in docs/architecture.md's topic table.
 */
public record Topics(String prefix) {

  public static final String DEFAULT_PREFIX = "alignstream.";

  public Topics {
    if (prefix == null) {
      throw new IllegalArgumentException("topic prefix must not be null (use \"\" for none)");
    }
  }

  public static Topics withDefaultPrefix() {
    return new Topics(DEFAULT_PREFIX);
  }

  /** Images plus noise settings; compacted, one record per distinct request. */
  public String requests() {
    return prefix + "requests";
  }

  /** Human odd-one-out responses; compacted. */
  public String triplets() {
    return prefix + "triplets";
  }

  /** One record per (image, model, layer, noise, conditioning), keyed by setting. */
  public String embeddings() {
    return prefix + "embeddings";
  }

  /** Latest cumulative odd-one-out accuracy per setting; compacted. */
  public String oooa() {
    return prefix + "oooa";
  }

  /** Rolling, time-windowed odd-one-out accuracy. */
  public String oooaWindowed() {
    return prefix + "oooa-windowed";
  }

  public String probes() {
    return prefix + "probes";
  }

  public String regressions() {
    return prefix + "regressions";
  }

  /** What each running extractor serves; compacted, keyed by model id. */
  public String models() {
    return prefix + "models";
  }

  /** "Evaluate this model": ModelRequests that {@code extract --fleet} instances take up; compacted. */
  public String modelRequests() {
    return prefix + "model-requests";
  }

  /** What the fleet is doing with each model request (evaluating, done); compacted, keyed by evaluation. */
  public String modelProgress() {
    return prefix + "model-progress";
  }

  /** Every input that could not be processed, with stage and reason. */
  public String deadletter() {
    return prefix + "deadletter";
  }
}
