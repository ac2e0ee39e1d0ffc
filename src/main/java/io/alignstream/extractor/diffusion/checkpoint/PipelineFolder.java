package io.alignstream.extractor.diffusion.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A diffusers pipeline folder exactly as published (e.g. a snapshot of
 * {@code stabilityai/stable-diffusion-2-1}): {@code model_index.json} names each component's
 * library and class, and each component lives in the folder of the same name.
 *
 * <pre>{@code
 * PipelineFolder sd = PipelineFolder.open(Path.of("stable-diffusion-2-1"));
 * try (WeightStore unet = sd.component("unet").loadWeights(Placement.cpu())) { ... }
 * }</pre>
 */
public final class PipelineFolder {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final byte[] indexBytes;
  /** component name -> class name, for components model_index.json lists with a non-null class. */
  private final Map<String, String> components;
  private final String variant;

  private PipelineFolder(Path dir, byte[] indexBytes, Map<String, String> components, String variant) {
    this.dir = dir;
    this.indexBytes = indexBytes;
    this.components = components;
    this.variant = variant;
  }

  /** Opens a pipeline folder; fails unless it holds a readable {@code model_index.json}. */
  public static PipelineFolder open(Path dir) {
    return open(dir, null);
  }

  /**
   * Opens a pipeline folder whose weights are read in a preferred variant.
   *
   * @param variant "fp16" to prefer {@code *.fp16.safetensors} weights, null for full precision first
   */
  public static PipelineFolder open(Path dir, String variant) {
    Path index = dir.resolve("model_index.json");
    if (!Files.isRegularFile(index)) {
      throw new CheckpointException(dir + " is not a diffusers pipeline folder: no model_index.json");
    }
    try {
      byte[] bytes = Files.readAllBytes(index);
      JsonNode root = JSON.readTree(bytes);
      Map<String, String> components = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        // Components are ["library", "ClassName"]; absent ones are [null, null].
        if (!e.getKey().startsWith("_") && v.isArray() && v.size() == 2 && v.get(1).isTextual()) {
          components.put(e.getKey(), v.get(1).textValue());
        }
      }
      return new PipelineFolder(dir, bytes, components, variant);
    } catch (IOException e) {
      throw new CheckpointException(index + " cannot be read as JSON: " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** Component name -> class name as model_index.json lists them. */
  public Map<String, String> components() {
    return Map.copyOf(components);
  }

  /**
   * A component by name, optionally checking its class.
   *
   * @param name e.g. "vae"
   * @param expectedClasses classes this caller implements (empty: any)
   */
  public ComponentFolder component(String name, String... expectedClasses) {
    String className = components.get(name);
    if (className == null) {
      throw new CheckpointException(
          dir.resolve("model_index.json") + " lists no component '" + name + "'; it lists " + components.keySet());
    }
    if (expectedClasses.length > 0 && !java.util.List.of(expectedClasses).contains(className)) {
      throw CheckpointException.unsupported(
          dir.resolve("model_index.json"), name, className, java.util.List.of(expectedClasses));
    }
    return ComponentFolder.open(dir.resolve(name), name, className, variant);
  }

  /**
   * SHA-256 (hex) over model_index.json and each listed component's config file, in component
   * name order: any change of architecture or scheduler changes it.
   */
  public String configDigest() {
    MessageDigest d = Digests.newSha256();
    d.update(indexBytes);
    for (String name : components.keySet()) {
      Path folder = dir.resolve(name);
      if (Files.isDirectory(folder)) {
        d.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        d.update(ComponentFolder.open(folder, name, components.get(name)).configDigest().getBytes(
            java.nio.charset.StandardCharsets.US_ASCII));
      }
    }
    return Digests.hex(d);
  }

  /**
   * SHA-256 (hex) over the weight digests of the given components in the given order (see
   * {@link WeightStore#digestOf}); cheap, as it reads safetensors headers and file sizes only.
   */
  public String weightsDigest(String... componentNames) {
    MessageDigest d = Digests.newSha256();
    for (String name : componentNames) {
      d.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      d.update(WeightStore.digestOf(component(name).weightFiles()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return Digests.hex(d);
  }

  @Override
  public String toString() {
    return "pipeline " + dir;
  }
}
