package io.alignstream.extractor.diffusion;

import io.alignstream.common.Digests;
import io.alignstream.extractor.CheckpointOptions;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.hub.HubCache;
import io.alignstream.extractor.hub.HubClient;
import io.alignstream.extractor.hub.HubModelId;
import io.alignstream.extractor.nn.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How a {@code --model} string becomes a Stable Diffusion pipeline to load; callers go through
 * {@code FeatureModels.resolve}, which names the built-in {@code tiny-sd3} (its writer lives in
 * {@code extractor.sd3}, above this package) and leaves the rest to {@link #resolve}. In order:
 * <ol>
 *   <li>{@code tiny}: the built-in tiny random SD-2-like pipeline, written once into the model cache;</li>
 *   <li>an existing folder: a diffusers pipeline folder (a path, or a {@code file:} URI as model
 *       requests carry it, as for files);</li>
 *   <li>an existing file: an original-format single-file checkpoint ({@code .safetensors};
 *       pickles are refused), configs inferred or taken from {@code --pipeline-config};</li>
 *   <li>{@code org/name[@revision]}: a diffusers pipeline repository in the Hugging Face hub
 *       cache, offline; fetched first with {@code --download}.</li>
 * </ol>
 * Resolving fetches (with --download) and hashes what identifies the model, but loads no weights.
 */
public final class PipelineReference {

  private final String name;
  private final String source;
  private final ModelOrigin origin;
  private final Function<Placement, StableDiffusion> loader;
  private final PipelineFolder pipeline;

  private PipelineReference(String name, String source, ModelOrigin origin, Function<Placement, StableDiffusion> loader,
      PipelineFolder pipeline) {
    this.name = name;
    this.source = source;
    this.origin = origin;
    this.loader = loader;
    this.pipeline = pipeline;
  }

  /**
   * Resolves a --model string.
   *
   * @param modelCache where {@code tiny} is written
   * @param tinySeed the seed of {@code tiny}'s weights
   * @throws IllegalArgumentException for a string that names nothing loadable, or a hub model
   *     that is not in the cache (without --download)
   * @throws CheckpointException for a pickle, an unusable file or folder
   * @throws io.alignstream.extractor.hub.HubException when a download fails
   */
  public static PipelineReference resolve(String model, Path modelCache, long tinySeed, CheckpointOptions options) {
    Path path = model.startsWith("file:") ? fileUri(model) : Path.of(model);
    if (options.pipelineConfig() != null && !Files.isRegularFile(path)) {
      throw new IllegalArgumentException("--pipeline-config applies to a single-file checkpoint only; --model "
          + model + " is not a file");
    }
    if (model.equals("tiny")) {
      return builtin("tiny", TinyModelCache.folder(modelCache, tinySeed), tinySeed);
    }
    if (Files.isDirectory(path)) {
      Path absolute = path.toAbsolutePath().normalize();
      String name = absolute.getFileName() == null ? "model" : absolute.getFileName().toString();
      return folder(absolute, name, absolute.toString(), new ModelOrigin("folder", absolute.toString(), null, null,
          null, null, Map.of(), options.variant()), options.variant());
    }
    if (Files.isRegularFile(path)) {
      return singleFile(path.toAbsolutePath().normalize(), options);
    }
    if (HubModelId.looksLikeHubId(model)) {
      try {
        return hub(HubModelId.parse(model), options);
      } catch (CheckpointException e) {
        throw e; // the hub id was found: what its snapshot lacks is the whole story
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; nor is there a file or folder "
            + path.toAbsolutePath().normalize(), e);
      }
    }
    throw new IllegalArgumentException("unknown model '" + model + "': expected tiny, tiny-sd3, a diffusers pipeline "
        + "folder, a single-file .safetensors checkpoint or a hub id org/name[@revision] (no file or folder "
        + path.toAbsolutePath().normalize() + ")");
  }

  private static Path fileUri(String uri) {
    try {
      return Path.of(java.net.URI.create(uri));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + uri + "' is not a usable file URI (file:///absolute/path): "
          + e.getMessage(), e);
    }
  }

  /**
   * A built-in tiny pipeline, already written into the model cache: named {@code name}, its source
   * {@code builtin:NAME?seed=N}.
   */
  public static PipelineReference builtin(String name, Path dir, long seed) {
    String seeded = name + "?seed=" + seed;
    return folder(dir, name, "builtin:" + seeded, ModelOrigin.of("builtin", seeded), null);
  }

  private static PipelineReference folder(Path dir, String name, String source, ModelOrigin origin, String variant) {
    PipelineFolder pipeline = PipelineFolder.open(dir, variant);
    return new PipelineReference(name, source, origin, placement -> StableDiffusion.open(pipeline, placement), pipeline);
  }

  private static PipelineReference singleFile(Path file, CheckpointOptions options) {
    // headers and configs first (refusing pickles and other models in milliseconds), then the whole file's hash
    SingleFileCheckpoint checkpoint = SingleFileCheckpoint.open(file, options.pipelineConfig());
    String sha256 = Digests.sha256Hex(file);
    String fileName = file.getFileName().toString();
    String stem = fileName.endsWith(".safetensors") ? fileName.substring(0, fileName.length() - 12) : fileName;
    ModelOrigin origin = new ModelOrigin("file", file.toString(), null, null, null, sha256,
        Map.of(fileName, "sha256:" + sha256), null);
    return new PipelineReference(stem, file.toString(), origin, placement -> StableDiffusion.open(checkpoint, placement),
        null);
  }

  private static PipelineReference hub(HubModelId id, CheckpointOptions options) {
    HubCache cache = new HubCache(options.hub().cache());
    HubPipeline.Snapshot snapshot = options.download()
        ? HubPipeline.download(cache, new HubClient(options.hub()), id, options.variant())
        : HubPipeline.cached(cache, id, options.hub().endpoint());
    PipelineFolder pipeline;
    Map<String, String> digests = new LinkedHashMap<>();
    try {
      pipeline = PipelineFolder.open(snapshot.dir(), options.variant());
      List<String> listed = HubPipeline.COMPONENTS.stream().filter(pipeline.components()::containsKey).toList();
      for (String component : listed) {
        pipeline.component(component); // each folder with its config, before anything loads
      }
      for (String component : listed.stream().filter(HubPipeline::hasWeights).toList()) {
        for (Path f : pipeline.component(component).weightFiles()) {
          String digest = HubCache.digestOf(f);
          if (digest != null) {
            digests.put(snapshot.dir().relativize(f).toString(), digest);
          }
        }
      }
    } catch (CheckpointException e) {
      throw missingHint(new CheckpointException(id + " (hub cache snapshot " + snapshot.commit() + "): "
          + e.getMessage(), e), options);
    }
    ModelOrigin origin = new ModelOrigin("hub", id.toString(), id.repo(), id.revision(), snapshot.commit(), null,
        digests, options.variant());
    String name = id.repo().substring(id.repo().indexOf('/') + 1);
    return new PipelineReference(name, "hf:" + id.repo() + "@" + snapshot.commit(), origin,
        placement -> {
          try {
            return StableDiffusion.open(pipeline, placement);
          } catch (CheckpointException e) {
            throw missingHint(e, options);
          }
        }, pipeline);
  }

  /** A cache snapshot holds only what was fetched so far: say how to fetch the rest. */
  private static CheckpointException missingHint(CheckpointException e, CheckpointOptions options) {
    return options.download() ? e : new CheckpointException(e.getMessage()
        + " (a hub cache holds only the files fetched so far; add --download to fetch the missing ones)", e);
  }

  /** The model's own name: the folder's or file's name, the hub repository's name, or "tiny". */
  public String name() {
    return name;
  }

  /** What the model card names as the source: a path, "builtin:tiny?seed=N" or "hf:org/name@commit". */
  public String source() {
    return source;
  }

  /** Where the weights come from, with what identifies them. */
  public ModelOrigin origin() {
    return origin;
  }

  /**
   * The diffusers pipeline folder the reference names (a folder, the tiny model, a hub snapshot),
   * or null for a single-file checkpoint; lets a caller tell an SD3 pipeline from an SD one.
   */
  public PipelineFolder pipeline() {
    return pipeline;
  }

  /** Loads the pipeline (SD 1.x / 2.x) on a device in a compute dtype. */
  public StableDiffusion open(Placement placement) {
    return loader.apply(placement);
  }

  @Override
  public String toString() {
    return source;
  }
}
