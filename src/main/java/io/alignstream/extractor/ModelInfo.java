package io.alignstream.extractor;

import java.util.List;
import java.util.Map;

/**
 * What a {@link FeatureModel} serves: the content of its ModelCard.
 *
 * @param modelId identifier used in every setting
 * @param kind diffusion, pixels, ...
 * @param source checkpoint folder, builtin:tiny, ...
 * @param layers layers in order
 * @param usesNoise whether noise levels change the output
 * @param usesText whether conditioning changes the output
 * @param pooling mean, max, flatten or none
 * @param device cpu or gpu
 * @param dtype compute dtype
 * @param configDigest digest of the configuration
 * @param weightsDigest digest of the weights
 * @param properties further configuration worth recording
 */
public record ModelInfo(
    String modelId,
    String kind,
    String source,
    List<Layer> layers,
    boolean usesNoise,
    boolean usesText,
    String pooling,
    String device,
    String dtype,
    String configDigest,
    String weightsDigest,
    Map<String, String> properties) {

  public ModelInfo {
    layers = List.copyOf(layers);
    properties = Map.copyOf(properties);
  }

  /** A layer as settings name it, the module path it taps, and its pooled dimension. */
  public record Layer(String name, String path, int dim) {}
}
