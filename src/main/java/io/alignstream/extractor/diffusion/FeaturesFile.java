package io.alignstream.extractor.diffusion;

import io.alignstream.common.ImageFile;
import io.alignstream.schema.LatentMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code alignstream features} writes, for every kind of pipeline ({@link UNetFeatures},
 * {@code sd3.Sd3Features}): one safetensors file whose tensors are named
 * {@code <network>.<module path><pooled suffix>} and laid out image-major, [images, prompts, ...];
 * and the request both read, parsed and checked once by the command.
 */
public final class FeaturesFile {

  private FeaturesFile() {}

  /**
   * What every pipeline's features run reads.
   *
   * @param model the --model argument, as given
   * @param noiseLevel the noise level, or null when {@code timestep} is given
   * @param timestep the explicit timestep, or null
   * @param noise the injected noise, or null for the seeded draw
   */
  public record Request(String model, List<ImageFile> images, List<String> prompts, Double noiseLevel,
      Integer timestep, long seed, LatentMode mode, Pooling pooling, Integer resolution, String taps,
      InjectedNoise noise, Path out) {

    /** The resolution asked for, else the smallest image's shorter side. */
    public int resolutionOrSmallest() {
      return resolution != null ? resolution : images.stream()
          .mapToInt(f -> Math.min(f.image().getWidth(), f.image().getHeight())).min().orElseThrow();
    }
  }

  /** {@code <network>.<path><pooled suffix>}, e.g. unet.mid_block.spatial_mean or transformer.transformer_blocks.3.mean. */
  public static String tensorName(String network, String path, String pooledSuffix) {
    return network + "." + path + pooledSuffix;
  }

  /** [images, prompts, item shape...]: the image-major layout every tap is written in. */
  public static long[] withImagePrompt(int images, int prompts, long[] itemShape) {
    long[] shape = new long[itemShape.length + 2];
    shape[0] = images;
    shape[1] = prompts;
    System.arraycopy(itemShape, 0, shape, 2, itemShape.length);
    return shape;
  }

  /** One tap's values of every job, in job order. */
  public static float[] concat(List<Map<String, float[]>> values, String path) {
    int per = values.get(0).get(path).length;
    float[] out = new float[values.size() * per];
    for (int i = 0; i < values.size(); i++) {
      System.arraycopy(values.get(i).get(path), 0, out, i * per, per);
    }
    return out;
  }
}
