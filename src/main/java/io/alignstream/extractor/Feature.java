package io.alignstream.extractor;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;

/**
 * One pooled representation produced by a {@link FeatureModel}, in a diffusion setting (noise
 * level, timestep, conditioning; pooling null) or a pooled one (pooling set, the diffusion parts
 * unused): see {@link SettingKey}.
 *
 * @param imageIndex index of the image in the list passed to {@link FeatureModel#extract}
 * @param layer layer display name (Down0 ... Up3, the tapped module path, an ONNX value name)
 * @param noiseLevel noise level s (0 for models without noise)
 * @param timestep timestep the noise level mapped to (0 for models without noise)
 * @param conditioning NONE or TEXT; null in a pooled setting
 * @param prompt prompt encoded for the conditioning, or null for models without text
 * @param pooling how the layer became this vector, part of a pooled setting; null in a diffusion setting
 * @param vector the representation
 */
public record Feature(
    int imageIndex, String layer, double noiseLevel, int timestep, Conditioning conditioning, String prompt,
    String pooling, float[] vector) {

  /** A feature in a diffusion setting. */
  public Feature(int imageIndex, String layer, double noiseLevel, int timestep, Conditioning conditioning,
      String prompt, float[] vector) {
    this(imageIndex, layer, noiseLevel, timestep, conditioning, prompt, null, vector);
  }

  /** A feature in a pooled setting (model, layer, pooling). */
  public static Feature pooled(int imageIndex, String layer, String pooling, float[] vector) {
    return new Feature(imageIndex, layer, 0, 0, null, null, pooling, vector);
  }

  /** The setting this feature belongs to under a model id. */
  public Setting setting(String modelId) {
    if (pooling != null) {
      return SettingKey.pooled(modelId, layer, pooling);
    }
    return Setting.newBuilder().setModelId(modelId).setLayer(layer).setNoiseLevel(noiseLevel).setTimestep(timestep)
        .setConditioning(conditioning).build();
  }
}
