package io.alignstream.extractor.vision;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The command-line flags that say how a vision model prepares images (a picocli mixin inside
 * {@link io.alignstream.extractor.ModelFlags}); each overrides one field of the model's
 * preprocessor_config.json. {@link #toOptions} gives the immutable {@link VisionOptions}.
 */
public final class VisionFlags {

  @Option(names = "--preprocessor-config", paramLabel = "FILE",
      description = "Vision models: the Hugging Face preprocessor_config.json to prepare images with (default: the "
          + "one beside the model file).")
  Path preprocessorConfig;

  @Option(names = "--resize", paramLabel = "PIXELS",
      description = "Vision models: resize so the shorter side is this many pixels (0 = no resize); overrides "
          + "size.shortest_edge.")
  Integer resize;

  @Option(names = "--resample", paramLabel = "CODE",
      description = "Vision models: the PIL filter of the resize (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, "
          + "4 box, 5 hamming); overrides resample.")
  Integer resample;

  @Option(names = "--crop", paramLabel = "PIXELS|HxW",
      description = "Vision models: center crop to this size (0 = no crop); overrides crop_size.")
  String crop;

  @Option(names = "--rescale", paramLabel = "FACTOR",
      description = "Vision models: multiply the 0..255 values by this (1/255 = 0.00392156862745098); overrides "
          + "rescale_factor.")
  Double rescale;

  @Option(names = "--mean", split = ",", paramLabel = "R,G,B",
      description = "Vision models: per-channel mean to subtract after rescaling; overrides image_mean.")
  List<Double> mean;

  @Option(names = "--std", split = ",", paramLabel = "R,G,B",
      description = "Vision models: per-channel standard deviation to divide by; overrides image_std.")
  List<Double> std;

  public VisionOptions toOptions() {
    Integer cropH = null;
    Integer cropW = null;
    if (crop != null) {
      String[] parts = crop.toLowerCase(java.util.Locale.ROOT).split("x");
      try {
        cropH = Integer.parseInt(parts[0].trim());
        cropW = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : cropH;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--crop must be PIXELS or HxW, got '" + crop + "'");
      }
      if (parts.length > 2) {
        throw new IllegalArgumentException("--crop must be PIXELS or HxW, got '" + crop + "'");
      }
    }
    return new VisionOptions(preprocessorConfig, resize, resample, cropH, cropW, rescale, mean, std);
  }
}
