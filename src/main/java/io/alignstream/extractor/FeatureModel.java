package io.alignstream.extractor;

import java.util.List;

/**
 * A vision model the extractor can tap: it turns decoded images into one pooled vector per
 * (image, layer, noise level, conditioning). Implementations: {@link PixelBaseline} and the
 * Stable Diffusion model in {@code extractor.diffusion}.
 *
 * <p>Implementations batch internally as they see fit; the extractor hands them as many images
 * as it has polled (up to its batch size) and publishes whatever comes back.
 */
public interface FeatureModel extends AutoCloseable {

  /** What this model serves; published as its ModelCard. */
  ModelInfo info();

  /**
   * Embeds each image under each setting it asks for. Models without noise return noise level
   * 0 (timestep 0) only; models without text return conditioning NONE only.
   *
   * @throws IllegalArgumentException for an input this model cannot take (the extractor
   *     dead-letters that image and carries on)
   */
  List<Feature> extract(List<ImageInput> images);

  @Override
  void close();
}
