package io.alignstream.extractor.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The image preparation of a Hugging Face {@code preprocessor_config.json} (image-processor
 * conventions: ViTImageProcessor, CLIPImageProcessor, ConvNextImageProcessor ...), with each
 * field overridable by a flag ({@link VisionOptions}). {@link VisionPreprocessor} applies it.
 *
 * @param shortestEdge resize so the shorter side is this (the longer side {@code int(edge * long /
 *     short)}); null when resizing to a fixed size or not at all
 * @param resizeHeight fixed resize height ({@code size: {height, width}}); null otherwise
 * @param resizeWidth fixed resize width; null otherwise
 * @param resample PIL filter of the resize
 * @param cropHeight center crop height, null for no crop
 * @param cropWidth center crop width, null for no crop
 * @param rescaleFactor multiplies the 8-bit values (1 when do_rescale is false)
 * @param mean per-channel mean (null when do_normalize is false)
 * @param std per-channel standard deviation (null when do_normalize is false)
 * @param source where it came from, for the model card
 */
public record ImageProcessorConfig(Integer shortestEdge, Integer resizeHeight, Integer resizeWidth,
    PilResample.Filter resample, Integer cropHeight, Integer cropWidth, double rescaleFactor, float[] mean,
    float[] std, String source) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ImageProcessorConfig {
    if (mean != null && (mean.length != 3 || std == null || std.length != 3)) {
      throw new IllegalArgumentException(source + ": image_mean and image_std must have 3 values (R, G, B)");
    }
    if (std != null) {
      for (float s : std) {
        if (!(s > 0)) {
          throw new IllegalArgumentException(source + ": image_std values must be > 0");
        }
      }
    }
  }

  /**
   * The config a model is prepared with: the file the options name, else the one found beside
   * the model ({@code beside}, may be null), with the options' overrides; null when there is
   * neither file nor enough flags to say how big the model's input is.
   *
   * @throws IllegalArgumentException for an unreadable or malformed file, or bad overrides
   */
  public static ImageProcessorConfig resolve(Path beside, VisionOptions options) {
    Path file = options.preprocessorConfig() != null ? options.preprocessorConfig() : beside;
    ImageProcessorConfig config = file == null ? null : read(file);
    if (config == null && options.shortestEdge() == null && options.cropHeight() == null) {
      return null;
    }
    return (config == null ? identity() : config).withOverrides(options);
  }

  /** No resize, no crop, no rescale, no normalization: the flags say everything. */
  static ImageProcessorConfig identity() {
    return new ImageProcessorConfig(null, null, null, PilResample.Filter.BICUBIC, null, null, 1, null, null, "flags");
  }

  /** Reads a preprocessor_config.json. */
  public static ImageProcessorConfig read(Path file) {
    JsonNode c;
    try {
      c = JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the preprocessor config " + file + ": " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) {
      throw new IllegalArgumentException(file + " is not a JSON object (a preprocessor_config.json)");
    }
    String source = file.toString();
    Integer edge = null;
    Integer height = null;
    Integer width = null;
    if (c.path("do_resize").asBoolean(true) && c.has("size")) {
      JsonNode size = c.get("size");
      if (size.isInt()) {
        edge = size.asInt(); // older configs: one number is the shortest edge
      } else if (size.has("shortest_edge")) {
        edge = size.get("shortest_edge").asInt();
      } else if (size.has("height") && size.has("width")) {
        height = size.get("height").asInt();
        width = size.get("width").asInt();
      } else {
        throw new IllegalArgumentException(source + ": size " + size + " names neither shortest_edge nor height "
            + "and width");
      }
    }
    Integer cropH = null;
    Integer cropW = null;
    if (c.path("do_center_crop").asBoolean(false) && c.has("crop_size")) {
      JsonNode crop = c.get("crop_size");
      cropH = crop.isInt() ? crop.asInt() : crop.path("height").asInt();
      cropW = crop.isInt() ? crop.asInt() : crop.path("width").asInt();
    }
    double rescale = c.path("do_rescale").asBoolean(true) ? c.path("rescale_factor").asDouble(1 / 255.0) : 1;
    float[] mean = null;
    float[] std = null;
    if (c.path("do_normalize").asBoolean(true) && c.has("image_mean")) {
      mean = floats(c.get("image_mean"));
      std = floats(c.get("image_std"));
    }
    PilResample.Filter filter = PilResample.Filter.ofCode(c.path("resample").asInt(PilResample.Filter.BICUBIC.code));
    return new ImageProcessorConfig(edge, height, width, filter, cropH, cropW, rescale, mean, std, source);
  }

  /** This config with each field the options set replaced. */
  ImageProcessorConfig withOverrides(VisionOptions o) {
    Integer edge = shortestEdge;
    Integer height = resizeHeight;
    Integer width = resizeWidth;
    if (o.shortestEdge() != null) {
      edge = o.shortestEdge() == 0 ? null : positive("--resize", o.shortestEdge());
      height = null;
      width = null;
    }
    Integer cropH = o.cropHeight() == null ? cropHeight : o.cropHeight() == 0 ? null : positive("--crop", o.cropHeight());
    Integer cropW = o.cropWidth() == null ? cropWidth : o.cropWidth() == 0 ? null : positive("--crop", o.cropWidth());
    float[] newMean = o.mean() == null ? mean : channels("--mean", o.mean());
    float[] newStd = o.std() == null ? std : channels("--std", o.std());
    if ((newMean == null) != (newStd == null)) {
      throw new IllegalArgumentException("--mean and --std go together: the config has "
          + (mean == null ? "no normalization" : "image_mean and image_std") + "; give both");
    }
    boolean changed = o.shortestEdge() != null || o.resample() != null || o.cropHeight() != null
        || o.rescaleFactor() != null || o.mean() != null || o.std() != null;
    return new ImageProcessorConfig(edge, height, width,
        o.resample() == null ? resample : PilResample.Filter.ofCode(o.resample()), cropH, cropW,
        o.rescaleFactor() == null ? rescaleFactor : o.rescaleFactor(), newMean, newStd,
        changed ? source + " with flags" : source);
  }

  /** The size of the preprocessed image, [height, width]; null when it depends on the image. */
  public int[] outputSize() {
    if (cropHeight != null) {
      return new int[] {cropHeight, cropWidth};
    }
    if (resizeHeight != null) {
      return new int[] {resizeHeight, resizeWidth};
    }
    return null;
  }

  /** One line for the model card. */
  public String describe() {
    String resize = shortestEdge != null ? "shortest edge " + shortestEdge
        : resizeHeight != null ? "resize " + resizeHeight + "x" + resizeWidth : "no resize";
    return String.format(Locale.ROOT, "%s (PIL %s), %s, rescale %s, mean %s, std %s, alpha over white; from %s",
        resize, resample.name().toLowerCase(Locale.ROOT),
        cropHeight == null ? "no crop" : "center crop " + cropHeight + "x" + cropWidth, rescaleFactor,
        mean == null ? "-" : java.util.Arrays.toString(mean), std == null ? "-" : java.util.Arrays.toString(std),
        source);
  }

  private static float[] floats(JsonNode array) {
    if (array == null || !array.isArray()) {
      return null;
    }
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) array.get(i).asDouble();
    }
    return out;
  }

  private static float[] channels(String flag, List<Double> values) {
    if (values.size() != 3) {
      throw new IllegalArgumentException(flag + " takes 3 values (R,G,B), got " + values.size());
    }
    return new float[] {values.get(0).floatValue(), values.get(1).floatValue(), values.get(2).floatValue()};
  }

  private static int positive(String flag, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(flag + " must be >= 0 (0 = none), got " + value);
    }
    return value;
  }
}
