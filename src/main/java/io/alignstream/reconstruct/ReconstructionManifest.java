package io.alignstream.reconstruct;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code manifest.json} of a reconstruction folder: what was run, and for each image and timestep
 * the PNG files (paths relative to the folder, '/'-separated). The report's Figure 4 is drawn
 * from it.
 *
 * @param generator "alignstream reconstruct"
 * @param latents the safetensors file with every latent (see {@link ReconstructionFolder})
 */
public record ReconstructionManifest(String generator, Model model, Run run, String latents, List<Image> images) {

  /** The manifest's file name in its folder. */
  public static final String FILE = "manifest.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).enable(SerializationFeature.INDENT_OUTPUT)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /**
   * @param name the --model argument or the model's id
   * @param source where the weights came from (folder, file, hub snapshot, builtin:tiny)
   * @param scheduler the scheduler class of the pipeline
   * @param predictionType how the denoiser's output was read: epsilon, v_prediction or sample (a UNet's
   *     scheduler config), velocity (SD3's flow matching: v = eps - z0)
   * @param t5 SD3 only (absent for a UNet): whether the T5 encoder ran, or diffusers' zero stand-in took its place
   */
  public record Model(String name, String source, String scheduler, String predictionType, Boolean t5) {}

  /**
   * @param resolution the image side the model saw
   * @param seed seed of each image's draw
   * @param latent "sample" or "mean"
   * @param noise where the diffusion noise came from
   */
  public record Run(int resolution, long seed, String latent, String noise) {}

  /**
   * @param input the image as the model saw it (resized, cropped)
   */
  public record Image(String name, String source, String concept, String input, List<Row> rows) {}

  /**
   * One point of the schedule. A UNet row carries alpha_cumprod (x_t = sqrt(abar) z0 + sqrt(1 - abar)
   * eps), an SD3 row sigma (x = (1 - sigma) z0 + sigma eps); the other is absent.
   *
   * @param timestep the UNet's t, or SD3's 1000 sigma rounded (as its records carry it)
   * @param noiseLevels the requested noise levels that map to this point
   * @param noisy the decoded noisy latent
   */
  public record Row(int timestep, List<Double> noiseLevels, Double alphaCumprod, Double sigma, String noisy,
      List<Estimate> estimates) {}

  /**
   * @param conditioning NONE or TEXT
   * @param image the decoded one-step estimate
   */
  public record Estimate(String conditioning, String prompt, String image) {}

  /** Reads {@code dir/manifest.json}. */
  public static ReconstructionManifest read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(dir + " is not a reconstruction folder: no " + FILE
          + " (write one with alignstream reconstruct --out DIR)");
    }
    try {
      return JSON.readValue(file.toFile(), ReconstructionManifest.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " cannot be read as a reconstruction manifest: " + e.getMessage(), e);
    }
  }

  void write(Path dir) {
    try {
      JSON.writeValue(dir.resolve(FILE).toFile(), this);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(FILE), e);
    }
  }
}
