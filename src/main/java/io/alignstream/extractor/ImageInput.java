package io.alignstream.extractor;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One decoded image and the settings to embed it under (from its ExtractionRequest).
 *
 * @param itemId the item triplets name it by
 * @param concept concept text for TEXT conditioning (THINGS uniqueID)
 * @param image decoded image, any size
 * @param noiseLevels noise levels s in [0, 1]
 * @param timesteps explicit timesteps; when non-empty they replace noiseLevels
 * @param conditionings conditionings to extract under
 * @param seed seed of the posterior sample and noise draw for this image
 * @param resolution shorter side is resized to this, then center-cropped
 * @param latent posterior sample or mean
 */
public record ImageInput(
    String itemId,
    String concept,
    BufferedImage image,
    List<Double> noiseLevels,
    List<Integer> timesteps,
    List<Conditioning> conditionings,
    long seed,
    int resolution,
    LatentMode latent) {

  public ImageInput {
    noiseLevels = List.copyOf(noiseLevels);
    timesteps = List.copyOf(timesteps);
    conditionings = List.copyOf(conditionings);
  }
}
