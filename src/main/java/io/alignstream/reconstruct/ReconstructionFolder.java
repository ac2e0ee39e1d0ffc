package io.alignstream.reconstruct;

import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes a reconstruction's results to a folder:
 * <pre>
 * manifest.json                 what was run, and every PNG below ({@link ReconstructionManifest})
 * latents.safetensors           clean [images, c, h, w], noisy [images, timesteps, c, h, w],
 *                               estimate [images, timesteps, conditionings, c, h, w]
 * 00-NAME/input.png             the image as the model saw it (resized, center-cropped)
 * 00-NAME/t491-noisy.png        the noisy latent at t = 491, decoded
 * 00-NAME/t491-none.png         the one-step estimate without text, decoded
 * 00-NAME/t491-text.png         the one-step estimate with "a photo of a {concept}", decoded
 * </pre>
 * For SD3 the t of a file name is 1000 sigma rounded (t747 at s = 0.5), as its records carry it.
 */
public final class ReconstructionFolder {

  static final String LATENTS = "latents.safetensors";

  private ReconstructionFolder() {}

  /**
   * Writes the files and returns the manifest written.
   *
   * @param model and {@code run} describe the run in the manifest
   */
  public static ReconstructionManifest write(Path dir, ReconstructionManifest.Model model,
      ReconstructionManifest.Run run, List<Reconstruction.Result> results) {
    try {
      Files.createDirectories(dir);
      List<ReconstructionManifest.Image> images = new ArrayList<>();
      for (int i = 0; i < results.size(); i++) {
        images.add(writeImage(dir, String.format(Locale.ROOT, "%02d-%s", i, safe(results.get(i).input().name())),
            results.get(i), run.resolution()));
      }
      writeLatents(dir.resolve(LATENTS), results);
      ReconstructionManifest manifest = new ReconstructionManifest("alignstream reconstruct", model, run, LATENTS,
          images);
      manifest.write(dir);
      return manifest;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the reconstruction folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static ReconstructionManifest.Image writeImage(Path dir, String folder, Reconstruction.Result result, int side)
      throws IOException {
    Files.createDirectories(dir.resolve(folder));
    String input = png(dir, folder + "/input.png", result.pixels(), side);
    List<ReconstructionManifest.Row> rows = new ArrayList<>();
    for (Reconstruction.Row row : result.rows()) {
      OneStepModel.Step step = row.step();
      String prefix = folder + "/t" + step.timestep();
      String noisy = png(dir, prefix + "-noisy.png", row.noisyImage(), side);
      List<ReconstructionManifest.Estimate> estimates = new ArrayList<>();
      for (Reconstruction.Estimate e : row.estimates()) {
        String name = prefix + "-" + e.conditioning().name().toLowerCase(Locale.ROOT) + ".png";
        estimates.add(new ReconstructionManifest.Estimate(e.conditioning().name(), e.prompt(),
            png(dir, name, e.image(), side)));
      }
      rows.add(new ReconstructionManifest.Row(step.timestep(), step.noiseLevels(), widen(step.alphaCumprod()),
          widen(step.sigma()), noisy, estimates));
    }
    Reconstruction.Input in = result.input();
    return new ReconstructionManifest.Image(in.name(), in.source(), in.concept(), input, rows);
  }

  private static String png(Path dir, String relative, float[] chw, int side) throws IOException {
    if (!ImageIO.write(ImagePostprocessor.image(chw, side), "png", dir.resolve(relative).toFile())) {
      throw new IOException("no PNG writer");
    }
    return relative;
  }

  private static void writeLatents(Path file, List<Reconstruction.Result> results) throws IOException {
    Reconstruction.Row first = results.get(0).rows().get(0);
    int images = results.size();
    int timesteps = results.get(0).rows().size();
    int conditionings = first.estimates().size();
    int per = first.noisyLatent().length;
    float[] clean = new float[images * per];
    float[] noisy = new float[images * timesteps * per];
    float[] estimate = new float[images * timesteps * conditionings * per];
    for (int i = 0; i < images; i++) {
      Reconstruction.Result r = results.get(i);
      System.arraycopy(r.cleanLatent(), 0, clean, i * per, per);
      for (int t = 0; t < timesteps; t++) {
        Reconstruction.Row row = r.rows().get(t);
        System.arraycopy(row.noisyLatent(), 0, noisy, (i * timesteps + t) * per, per);
        for (int c = 0; c < conditionings; c++) {
          System.arraycopy(row.estimates().get(c).latent(), 0, estimate, ((i * timesteps + t) * conditionings + c) * per,
              per);
        }
      }
    }
    long[] latent = results.get(0).latentShape(); // [c, h, w]
    new SafetensorsWriter()
        .metadata("format", "pt")
        .metadata("generator", "alignstream reconstruct")
        .metadata("timesteps", results.get(0).rows().stream().map(row -> String.valueOf(row.step().timestep()))
            .toList().toString())
        .metadata("conditionings", first.estimates().stream().map(e -> e.conditioning().name()).toList().toString())
        .putFloats("clean", new long[] {images, latent[0], latent[1], latent[2]}, clean)
        .putFloats("noisy", new long[] {images, timesteps, latent[0], latent[1], latent[2]}, noisy)
        .putFloats("estimate", new long[] {images, timesteps, conditionings, latent[0], latent[1], latent[2]}, estimate)
        .write(file);
  }

  private static Double widen(Float value) {
    return value == null ? null : value.doubleValue();
  }

  /** A name usable as a folder: letters, digits, '.', '_' and '-' kept, anything else '_'. */
  static String safe(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
  }
}
