package io.alignstream.extractor.diffusion.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.Digests;
import io.alignstream.extractor.nn.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One component folder of a diffusers pipeline ({@code unet/}, {@code vae/}, {@code text_encoder/},
 * {@code tokenizer/}, {@code scheduler/}) as published: a config file and, for models, safetensors
 * weights in one of the layouts diffusers and transformers write.
 */
public final class ComponentFolder {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Config file names in the order diffusers/transformers look for them. */
  private static final List<String> CONFIG_FILES =
      List.of("config.json", "scheduler_config.json", "tokenizer_config.json");
  /** Weight base names: diffusers models, then transformers models. */
  private static final List<String> WEIGHT_BASES = List.of("diffusion_pytorch_model", "model");

  private final String name;
  private final String className;
  private final Path dir;
  private final Path configFile;
  private final byte[] configBytes;
  private final JsonNode config;
  private final String variant;

  private ComponentFolder(String name, String className, Path dir, Path configFile, byte[] configBytes,
      String variant) {
    this.name = name;
    this.className = className;
    this.dir = dir;
    this.variant = variant;
    this.configFile = configFile;
    this.configBytes = configBytes;
    try {
      this.config = JSON.readTree(configBytes);
    } catch (IOException e) {
      throw new CheckpointException(configFile + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Opens a component folder.
   *
   * @param dir the folder
   * @param name component name as model_index.json lists it
   * @param className class model_index.json names for it (may be null when opened stand-alone)
   */
  public static ComponentFolder open(Path dir, String name, String className) {
    return open(dir, name, className, null);
  }

  /**
   * Opens a component folder whose weights are read in a preferred variant.
   *
   * @param variant "fp16" to prefer the {@code *.fp16.safetensors} weights, null for full precision first
   */
  public static ComponentFolder open(Path dir, String name, String className, String variant) {
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException("component '" + name + "' has no folder " + dir);
    }
    for (String file : CONFIG_FILES) {
      Path p = dir.resolve(file);
      if (Files.isRegularFile(p)) {
        try {
          return new ComponentFolder(name, className, dir, p, Files.readAllBytes(p), variant);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + p, e);
        }
      }
    }
    throw new CheckpointException("component folder " + dir + " has none of " + CONFIG_FILES);
  }

  public String name() {
    return name;
  }

  /** The class model_index.json names, e.g. AutoencoderKL; null when unknown. */
  public String className() {
    return className;
  }

  public Path dir() {
    return dir;
  }

  public Path configFile() {
    return configFile;
  }

  /** The parsed config. */
  public JsonNode config() {
    return config;
  }

  /** SHA-256 (hex) of the config file's bytes exactly as stored. */
  public String configDigest() {
    return Digests.sha256Hex(configBytes);
  }

  /** A reader over the config that names this file in its errors. */
  public ConfigReader configReader() {
    return new ConfigReader(config, configFile);
  }

  /** The config file names a component may have, in the order they are looked for. */
  public static List<String> configFileNames() {
    return CONFIG_FILES;
  }

  /**
   * The names a component's weights may have, in the order diffusers prefers them: the
   * requested variant first (full precision unless {@code variant} is "fp16", then the other),
   * diffusers' base name before transformers', and for each a sharded index
   * ({@code *.safetensors.index.json}; the variant index both as diffusers and as transformers
   * name it) before a single file.
   */
  public static List<String> weightFileNames(String variant) {
    List<String> names = new ArrayList<>();
    for (String v : "fp16".equals(variant) ? List.of("fp16", "") : List.of("", "fp16")) {
      for (String base : WEIGHT_BASES) {
        if (v.isEmpty()) {
          names.add(base + ".safetensors.index.json");
          names.add(base + ".safetensors");
        } else {
          names.add(base + ".safetensors.index." + v + ".json");
          names.add(base + "." + v + ".safetensors.index.json");
          names.add(base + "." + v + ".safetensors");
        }
      }
    }
    return names;
  }

  /** The shard file names a sharded index lists ({@code weight_map} values), sorted. */
  public static List<String> shardNames(Path index) {
    JsonNode map;
    try {
      map = JSON.readTree(index.toFile()).path("weight_map");
    } catch (IOException e) {
      throw new CheckpointException(index + " is not valid JSON: " + e.getMessage(), e);
    }
    Set<String> files = new java.util.TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      files.add(it.next().getValue().asText());
    }
    if (files.isEmpty()) {
      throw new CheckpointException(index + " has an empty weight_map");
    }
    return List.copyOf(files);
  }

  /**
   * The safetensors files holding this component's weights: the first of
   * {@link #weightFileNames} present (all shards of an index).
   */
  public List<Path> weightFiles() {
    for (String file : weightFileNames(variant)) {
      Path p = dir.resolve(file);
      if (!Files.isRegularFile(p)) {
        continue;
      }
      if (!file.endsWith(".json")) {
        return List.of(p);
      }
      List<Path> shards = new ArrayList<>();
      for (String f : shardNames(p)) {
        Path shard = dir.resolve(f);
        if (!Files.isRegularFile(shard)) {
          throw new CheckpointException(p + " names shard " + f + ", which is not in " + dir);
        }
        shards.add(shard);
      }
      return shards;
    }
    throw new CheckpointException(
        "component '" + name + "' (" + dir + ") has no safetensors weights; expected one of "
            + "diffusion_pytorch_model[.fp16].safetensors, model[.fp16].safetensors or a sharded "
            + "*.safetensors.index.json; found " + listing()
            + " (PyTorch *.bin pickles are not read: convert them to safetensors)");
  }

  /** Opens this component's weights on a device in a compute dtype; see {@link WeightStore}. */
  public WeightStore loadWeights(Placement placement, String... prefixes) {
    return WeightStore.load(weightFiles(), toString(), placement, prefixes);
  }

  private String listing() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList().toString();
    } catch (IOException e) {
      return "(unlistable: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return "component '" + name + "' (" + dir + ")";
  }
}
