package io.alignstream.extractor.vision;

import io.alignstream.common.Digests;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.hub.HubCache;
import io.alignstream.extractor.hub.HubModelId;
import io.alignstream.extractor.hub.HubSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A {@code --model} argument that names a vision model (TorchScript or ONNX), resolved:
 *
 * <ul>
 *   <li>a file {@code *.pt}, {@code *.pth}, {@code *.ts}, {@code *.torchscript} (TorchScript) or
 *       {@code *.onnx}; a file of another name whose content is a TorchScript zip or an ONNX
 *       model (anything else is left to the diffusion checkpoints);
 *   <li>a folder holding one of {@code layers.onnx}, {@code layers.pt}, {@code model.onnx},
 *       {@code model.pt} (taken in that order: the export recipe's names, layers first, ONNX
 *       first because any of its values is a layer) or exactly one {@code *.onnx}/{@code *.pt};
 *   <li>a hub id {@code org/name[@revision]} whose cached snapshot is such a folder (and no
 *       diffusers pipeline, which has a model_index.json).
 * </ul>
 *
 * The {@code preprocessor_config.json} beside the file is the model's image preparation. The
 * model's own name (the id its settings carry unless one is given) is the folder's name for a
 * file named {@code layers.*} or {@code model.*} (generic export names), else the file's stem.
 *
 * @param name the model's own name
 * @param file the model file
 * @param format "torchscript" or "onnx"
 * @param preprocessorConfig the preprocessor_config.json beside the file, or null
 * @param origin where it came from, with the file's SHA-256
 */
public record VisionModelSource(String name, Path file, String format, Path preprocessorConfig, ModelOrigin origin) {

  static final String TORCHSCRIPT = "torchscript";
  static final String ONNX = "onnx";
  private static final List<String> FOLDER_FILES = List.of("layers.onnx", "layers.pt", "model.onnx", "model.pt");
  private static final List<String> TORCHSCRIPT_SUFFIXES = List.of(".pt", ".pth", ".ts", ".torchscript");

  /** The vision model {@code model} names, if it names one. */
  public static Optional<VisionModelSource> resolve(String model, HubSettings hub) {
    Path path = Path.of(model);
    if (Files.isRegularFile(path)) {
      String format = fileFormat(path);
      return format == null ? Optional.empty() : Optional.of(ofFile(path.toAbsolutePath().normalize(), format, null));
    }
    if (Files.isDirectory(path)) {
      return inFolder(path.toAbsolutePath().normalize()).map(f -> ofFile(f, fileFormat(f), null));
    }
    if (HubModelId.looksLikeHubId(model)) {
      HubModelId id = HubModelId.parse(model);
      HubCache cache = new HubCache(hub.cache());
      String commit = cache.cachedCommit(id);
      if (commit == null) {
        return Optional.empty();
      }
      Path snapshot = cache.snapshot(id, commit);
      if (!Files.isDirectory(snapshot) || Files.exists(snapshot.resolve("model_index.json"))) {
        return Optional.empty();
      }
      return inFolder(snapshot).map(f -> ofFile(f, fileFormat(f), new HubOrigin(id, commit)));
    }
    return Optional.empty();
  }

  private record HubOrigin(HubModelId id, String commit) {}

  private static VisionModelSource ofFile(Path file, String format, HubOrigin hub) {
    String fileName = file.getFileName().toString();
    int dot = fileName.lastIndexOf('.');
    String stem = dot > 0 ? fileName.substring(0, dot) : fileName;
    Path parent = file.getParent();
    String name = hub != null ? hub.id().repo().substring(hub.id().repo().indexOf('/') + 1)
        : (stem.equals("layers") || stem.equals("model")) && parent != null && parent.getFileName() != null
            ? parent.getFileName().toString() : stem;
    String sha256 = Digests.sha256Hex(file);
    ModelOrigin origin = hub == null
        ? new ModelOrigin("file", file.toString(), null, null, null, sha256, Map.of(fileName, "sha256:" + sha256), null)
        : new ModelOrigin("hub", hub.id().toString(), hub.id().repo(), hub.id().revision(), hub.commit(), sha256,
            Map.of(fileName, "sha256:" + sha256), null);
    Path config = parent == null ? null : parent.resolve("preprocessor_config.json");
    return new VisionModelSource(name, file, format, config != null && Files.isRegularFile(config) ? config : null,
        origin);
  }

  /** The model file of a folder, by the rule above; empty when the folder holds none. */
  private static Optional<Path> inFolder(Path dir) {
    for (String name : FOLDER_FILES) {
      if (Files.isRegularFile(dir.resolve(name))) {
        return Optional.of(dir.resolve(name));
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> models = files.filter(f -> Files.isRegularFile(f) && fileFormat(f) != null
          && hasVisionSuffix(f)).sorted().toList();
      if (models.size() > 1) {
        throw new IllegalArgumentException("folder " + dir + " holds several model files (" + models.stream()
            .map(p -> p.getFileName().toString()).toList() + "): name one of them as --model");
      }
      return models.stream().findFirst();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static boolean hasVisionSuffix(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".onnx") || TORCHSCRIPT_SUFFIXES.stream().anyMatch(n::endsWith);
  }

  /**
   * "torchscript" or "onnx" for a vision model file, null for other files. A vision suffix with
   * the wrong content is an error here, so that what is wrong with the file is said first.
   */
  static String fileFormat(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean zip = startsWithZip(file);
    if (n.endsWith(".onnx")) {
      return ONNX;
    }
    if (TORCHSCRIPT_SUFFIXES.stream().anyMatch(n::endsWith)) {
      if (!zip) {
        throw new IllegalArgumentException(file + " is neither a TorchScript archive (a zip, as torch.jit.save "
            + "writes) nor an ONNX model");
      }
      return TORCHSCRIPT;
    }
    if (n.endsWith(".safetensors") || n.endsWith(".ckpt") || n.endsWith(".bin")) {
      return null;
    }
    if (zip) {
      return TORCHSCRIPT;
    }
    try {
      OnnxGraph.read(file);
      return ONNX;
    } catch (IllegalArgumentException notOnnx) {
      return null;
    }
  }

  private static boolean startsWithZip(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(4);
      return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
