package io.alignstream.local;

import io.alignstream.common.InputLimits;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.vision.VisionModelSource;
import io.alignstream.producer.Dataset;
import io.alignstream.producer.DatasetItem;
import io.alignstream.reconstruct.Reconstruction;
import io.alignstream.reconstruct.ReconstructionManifest;
import io.alignstream.schema.LatentMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo report's Figure 4: for each diffusion model of the run, the reconstruction of the
 * dataset's first images at the run's noise levels, seed and resolution, made as the extractor
 * made its inputs (a posterior sample, the request's seed), written under {@code
 * reconstruction/MODEL} of the report folder.
 */
final class DemoReconstructions {

  /** Images per figure: enough to compare two, small enough to keep the report light. */
  static final int IMAGES = 2;

  private DemoReconstructions() {}

  /**
   * Writes a reconstruction folder per diffusion model, U-Net or SD3 (the pixel baseline and vision
   * models have no VAE).
   *
   * @return the folders, relative to {@code reportDir}
   */
  static List<String> write(Path reportDir, List<String> models, Dataset dataset, List<Double> noiseLevels, long seed,
      int resolution, ModelOptions options) {
    List<Reconstruction.Input> inputs = new ArrayList<>();
    for (DatasetItem item : dataset.items().subList(0, Math.min(IMAGES, dataset.items().size()))) {
      inputs.add(new Reconstruction.Input(item.imageId(), dataset.name() + " image " + item.imageId(),
          InputLimits.defaults().decode(item.imageBytes(), "image " + item.imageId()), item.concept()));
    }
    Reconstruction.Settings settings = new Reconstruction.Settings(noiseLevels, List.of(), seed, LatentMode.SAMPLE,
        resolution, options.unetBatch(), null);
    List<String> folders = new ArrayList<>();
    for (String model : models) {
      if (model.equals(FeatureModels.PIXELS) || VisionModelSource.resolve(model, options.checkpoints()).isPresent()) {
        continue;
      }
      PipelineReference reference = FeatureModels.resolve(model, options.modelCache(), options.tinySeed(),
          options.checkpoints());
      String folder = "reconstruction/" + reference.name().replaceAll("[^A-Za-z0-9._-]", "_");
      ReconstructionManifest manifest = Reconstruction.toFolder(reference,
          Placement.parse(options.device(), options.dtype()), options.sd3(), inputs, settings,
          reportDir.resolve(folder));
      System.out.printf("figure 4 of %s: %d images x %d noise levels in %s%n", manifest.model().name(),
          manifest.images().size(), manifest.images().get(0).rows().size(), reportDir.resolve(folder));
      folders.add(folder);
    }
    return folders;
  }
}
