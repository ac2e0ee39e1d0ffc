package io.alignstream.extractor.vision;

import java.nio.file.Path;
import java.util.List;

/**
 * How to prepare images for a vision model, beyond what {@code --model}, {@code --layers} and
 * {@code --pool} say: the {@code preprocessor_config.json} to read (default: the one beside the
 * model) and flags that override each of its fields. Null means "as the config says".
 *
 * @param preprocessorConfig a preprocessor_config.json other than the one beside the model
 * @param shortestEdge resize so the shorter side is this many pixels; 0 = no resize
 * @param resample PIL filter code (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)
 * @param cropHeight center-crop height; 0 = no crop
 * @param cropWidth center-crop width; 0 = no crop
 * @param rescaleFactor multiplies the 0..255 values (1/255 gives 0..1)
 * @param mean per-channel mean subtracted after rescaling (R, G, B)
 * @param std per-channel standard deviation divided by after subtracting the mean
 */
public record VisionOptions(Path preprocessorConfig, Integer shortestEdge, Integer resample, Integer cropHeight,
    Integer cropWidth, Double rescaleFactor, List<Double> mean, List<Double> std) {

  public VisionOptions {
    mean = mean == null ? null : List.copyOf(mean);
    std = std == null ? null : List.copyOf(std);
  }

  /** Everything as the model's own preprocessor_config.json says. */
  public static VisionOptions defaults() {
    return new VisionOptions(null, null, null, null, null, null, null, null);
  }
}
