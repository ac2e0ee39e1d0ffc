package io.alignstream.extractor;

import io.alignstream.schema.Conditioning;
import java.util.List;

/**
 * A model evaluated under the noise levels and conditionings a ModelRequest names instead of each
 * image request's own: a model requested later with its own grid still reads every image already
 * on the requests topic, without re-sending any. An empty list keeps each image request's own.
 */
final class RequestedSettings implements FeatureModel {

  private final FeatureModel model;
  private final List<Double> noiseLevels;
  private final List<Conditioning> conditionings;

  RequestedSettings(FeatureModel model, List<Double> noiseLevels, List<Conditioning> conditionings) {
    this.model = model;
    this.noiseLevels = List.copyOf(noiseLevels);
    this.conditionings = List.copyOf(conditionings);
  }

  @Override
  public ModelInfo info() {
    return model.info();
  }

  @Override
  public List<Feature> extract(List<ImageInput> images) {
    return model.extract(images.stream().map(this::withRequestedSettings).toList());
  }

  private ImageInput withRequestedSettings(ImageInput in) {
    // Requested noise levels replace explicit timesteps too, which would otherwise take precedence.
    return new ImageInput(in.itemId(), in.concept(), in.image(),
        noiseLevels.isEmpty() ? in.noiseLevels() : noiseLevels,
        noiseLevels.isEmpty() ? in.timesteps() : List.of(),
        conditionings.isEmpty() ? in.conditionings() : conditionings,
        in.seed(), in.resolution(), in.latent());
  }

  @Override
  public void close() {
    model.close();
  }
}
