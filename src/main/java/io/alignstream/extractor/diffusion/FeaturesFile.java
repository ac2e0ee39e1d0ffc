package io.alignstream.extractor.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ImageFile;
import io.alignstream.extractor.ModelFlags;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.schema.LatentMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code alignstream features} writes, for every kind of pipeline ({@link UNetFeatures},
 * {@code sd3.Sd3Features}): one safetensors file whose tensors are named
 * {@code <network>.<module path><pooled suffix>} and laid out image-major, [images, prompts, ...];
 * and the request both read, parsed and checked once by the command.
 */
public final class FeaturesFile {

  private static final ObjectMapper JSON = new ObjectMapper();

  private FeaturesFile() {}

  /** The pipeline's identity, as a features file records it. */
  public record Model(String source, String configDigest, String weightsDigest, ModelOrigin origin, String scheduler) {}

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
    return concat(values.stream().map(job -> job.get(path)).toList());
  }

  /** Rows of equal length, one after the other (an image-major batch). */
  public static float[] concat(List<float[]> rows) {
    int per = rows.get(0).length;
    float[] out = new float[rows.size() * per];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, out, i * per, per);
    }
    return out;
  }

  /**
   * Adds what every features file records to reproduce it (the request, the model's identity, the
   * run) to the writer's own metadata (each pipeline adds its timestep and what else it has), and
   * writes the file, creating its folder.
   *
   * @param noiseLevel the noise level recorded (t / 1000 for an explicit timestep)
   * @param taps the module paths written
   */
  public static void write(SafetensorsWriter w, Request in, Model model, double noiseLevel, int resolution,
      List<String> taps, ModelFlags flags) throws IOException {
    w.metadata("format", "pt");
    w.metadata("generator", "alignstream features");
    w.metadata("model", in.model());
    w.metadata("model_source", model.source());
    w.metadata("config_digest", model.configDigest());
    w.metadata("weights_digest", model.weightsDigest());
    w.metadata("model_origin", JSON.writeValueAsString(model.origin()));
    w.metadata("scheduler", model.scheduler());
    w.metadata("images", JSON.writeValueAsString(in.images().stream().map(f -> f.path().toString()).toList()));
    w.metadata("image_sha256", JSON.writeValueAsString(in.images().stream().map(ImageFile::sha256).toList()));
    w.metadata("prompts", JSON.writeValueAsString(in.prompts()));
    w.metadata("noise_level", String.valueOf(noiseLevel));
    w.metadata("seed", String.valueOf(in.seed()));
    w.metadata("latent", in.mode().name().toLowerCase(Locale.ROOT));
    w.metadata("resolution", String.valueOf(resolution));
    w.metadata("noise", InjectedNoise.describe(in.noise()));
    w.metadata("taps", JSON.writeValueAsString(taps));
    w.metadata("pooling", in.pooling().name().toLowerCase(Locale.ROOT));
    w.metadata("batch_order", "image-major: index = image * prompts + prompt");
    w.metadata("device", flags.device());
    w.metadata("dtype", flags.dtype());
    Path parent = in.out().toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    w.write(in.out());
  }
}
