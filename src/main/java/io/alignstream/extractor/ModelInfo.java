package io.alignstream.extractor;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import java.util.ArrayList;
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
 * @param origin where the weights came from (hub commit, file SHA-256, ...)
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
    Map<String, String> properties,
    ModelOrigin origin) {

  public ModelInfo {
    layers = List.copyOf(layers);
    properties = Map.copyOf(properties);
  }

  /** A model whose origin is its source string alone (e.g. the pixel baseline). */
  public ModelInfo(String modelId, String kind, String source, List<Layer> layers, boolean usesNoise, boolean usesText,
      String pooling, String device, String dtype, String configDigest, String weightsDigest,
      Map<String, String> properties) {
    this(modelId, kind, source, layers, usesNoise, usesText, pooling, device, dtype, configDigest, weightsDigest,
        properties, ModelOrigin.of(kind, source));
  }

  /**
   * Every setting key this model publishes for requests with these noise levels and
   * conditionings: each layer (with its pooling, for a pooled setting) under each noise level and
   * conditioning it uses (only 0 and NONE for a model that uses neither).
   */
  public List<String> settingKeys(List<Double> noiseLevels, List<Conditioning> conditionings) {
    List<String> keys = new ArrayList<>();
    List<Double> levels = usesNoise ? noiseLevels : List.of(0.0);
    List<Conditioning> conds = usesText ? conditionings : List.of(Conditioning.NONE);
    for (Layer layer : layers) {
      if (layer.pooling() != null) {
        keys.add(SettingKey.ofPooled(modelId, layer.name(), layer.pooling()));
        continue;
      }
      for (double s : levels) {
        for (Conditioning c : conds) {
          keys.add(SettingKey.of(modelId, layer.name(), s, c));
        }
      }
    }
    return keys;
  }

  /**
   * A layer as settings name it, the module path it taps, its pooled dimension, and for a pooled
   * setting its pooling (null for a diffusion setting).
   */
  public record Layer(String name, String path, int dim, String pooling) {

    /** A layer of a diffusion setting. */
    public Layer(String name, String path, int dim) {
      this(name, path, dim, null);
    }
  }
}
