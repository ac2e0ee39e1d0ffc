package io.alignstream.extractor;

import io.alignstream.schema.Conditioning;

/**
 * One pooled representation produced by a {@link FeatureModel}.
 *
 * @param imageIndex index of the image in the list passed to {@link FeatureModel#extract}
 * @param layer layer display name (Down0 ... Up3, or the tapped module path)
 * @param noiseLevel noise level s (0 for models without noise)
 * @param timestep timestep the noise level mapped to (0 for models without noise)
 * @param conditioning NONE or TEXT
 * @param prompt prompt encoded for the conditioning, or null for models without text
 * @param vector the representation
 */
public record Feature(
    int imageIndex, String layer, double noiseLevel, int timestep, Conditioning conditioning, String prompt,
    float[] vector) {}
