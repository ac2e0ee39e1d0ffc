package io.alignstream.extractor;

import java.util.List;

/**
 * A {@link FeatureModel} whose work splits in two: preparing each image (CPU only: resize, crop,
 * normalise) and the network on prepared images. The extractor prepares one poll's images while
 * the network runs the previous poll's, so on a GPU host the network does not wait for the CPU
 * work (docs/architecture.md, "The extract loop"). {@code extract(images)} is the two in a row.
 *
 * @param <P> an image as the network takes it
 */
public interface StagedFeatureModel<P> extends FeatureModel {

  /**
   * One image made ready for the network; thread-safe, and called while {@link #extractPrepared}
   * runs on another thread.
   *
   * @throws IllegalArgumentException for an image this model cannot take
   */
  P prepare(ImageInput image);

  /** The features of prepared images; a feature's image index is its image's position in the list. */
  List<Feature> extractPrepared(List<P> images);
}
