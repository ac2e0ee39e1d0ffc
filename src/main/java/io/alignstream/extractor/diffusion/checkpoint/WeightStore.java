package io.alignstream.extractor.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.alignstream.common.Digests;
import io.alignstream.extractor.nn.Placement;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The tensors of one model component, addressed by their checkpoint names (e.g.
 * {@code down_blocks.1.attentions.0.proj_in.weight}), held on one device in one compute dtype.
 *
 * <p>Tensors whose names start with one of the requested prefixes are loaded eagerly when the
 * store opens (so a model pays the load once, and the VAE encoder need not load the decoder);
 * every other tensor is still known by name and shape from the headers. Blocks read weights via
 * {@link #scope(String)} views. The store owns its arrays: close it to free them.
 *
 * <p>Forward code must never create arrays in the store's manager: DJL puts an operation's
 * result in the manager of its first operand, so operations are written input-first and any
 * derived view of a weight is attached to the caller's scope (see {@link io.alignstream.extractor.nn.Ops#local}).
 */
public final class WeightStore implements AutoCloseable {

  private final String source;
  private final Placement placement;
  private final NDManager manager;
  private final Map<String, TensorInfo> infos;
  private final Map<String, NDArray> loaded;
  private final List<String> prefixes;
  private final String weightsDigest;

  private WeightStore(
      String source, Placement placement, NDManager manager, Map<String, TensorInfo> infos,
      Map<String, NDArray> loaded, List<String> prefixes, String weightsDigest) {
    this.source = source;
    this.placement = placement;
    this.manager = manager;
    this.infos = infos;
    this.loaded = loaded;
    this.prefixes = prefixes;
    this.weightsDigest = weightsDigest;
  }

  /**
   * Opens safetensors files (shards of one component) and loads the tensors under the prefixes.
   *
   * @param files the component's safetensors files
   * @param source how errors name the component, e.g. "component 'vae' (/models/sd/vae)"
   * @param placement device and compute dtype
   * @param prefixes name prefixes to load, e.g. "encoder.", "quant_conv."; none loads all
   */
  public static WeightStore load(List<Path> files, String source, Placement placement, String... prefixes) {
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, TensorInfo> infos = new LinkedHashMap<>();
      Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
      for (Path f : files) {
        SafetensorsFile st = SafetensorsFile.open(f);
        opened.add(st);
        for (TensorInfo info : st.tensors().values()) {
          SafetensorsFile previous = owner.put(info.name(), st);
          if (previous != null) {
            throw new CheckpointException(
                source + ": tensor '" + info.name() + "' appears in both " + previous.path() + " and " + f);
          }
          infos.put(info.name(), info);
        }
      }
      return load(infos, owner::get, source, placement, digestOf(files), prefixes);
    } finally {
      opened.forEach(SafetensorsFile::close);
    }
  }

  /**
   * Opens the tensors of one component inside a single checkpoint file under the names the
   * component uses (a single-file checkpoint): each entry of {@code view} is a header
   * entry of {@code file}, or a contiguous part of one, renamed and reshaped.
   *
   * @param digest what {@link #weightsDigest()} reports
   */
  public static WeightStore load(Path file, Map<String, TensorInfo> view, String source, Placement placement,
      String digest, String... prefixes) {
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      return load(new LinkedHashMap<>(view), name -> st, source, placement, digest, prefixes);
    }
  }

  private static WeightStore load(Map<String, TensorInfo> infos, Function<String, SafetensorsFile> owner,
      String source, Placement placement, String digest, String... prefixes) {
    NDManager manager = NDManager.newBaseManager(placement.device());
    try {
      List<String> wanted = List.of(prefixes);
      Map<String, NDArray> loaded = new LinkedHashMap<>();
      for (Map.Entry<String, TensorInfo> e : infos.entrySet()) {
        if (matches(e.getKey(), wanted)) {
          loaded.put(e.getKey(), owner.apply(e.getKey()).load(manager, e.getValue(), placement.dtype()));
        }
      }
      return new WeightStore(
          source, placement, manager, Collections.unmodifiableMap(infos), Collections.unmodifiableMap(loaded),
          wanted, digest);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * A store over tensors already in memory (random weights of a real architecture for a
   * benchmark); it takes ownership of {@code manager}, which must own the tensors.
   *
   * @param digest what {@link #weightsDigest()} reports, e.g. a digest of the seed that drew them
   */
  public static WeightStore ofArrays(
      String source, Placement placement, NDManager manager, Map<String, NDArray> tensors, String digest) {
    Map<String, TensorInfo> infos = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      if (a.getDataType() != placement.dtype() || !a.getDevice().equals(placement.device())) {
        throw new IllegalArgumentException("tensor '" + e.getKey() + "' is " + a.getDataType() + " on " + a.getDevice()
            + ", the store computes in " + placement.dtype() + " on " + placement.device());
      }
      long bytes = a.getShape().size() * 4;
      infos.put(e.getKey(), new TensorInfo(e.getKey(), SafeDtype.F32, a.getShape().getShape(), 0, bytes));
    }
    return new WeightStore(source, placement, manager, Collections.unmodifiableMap(infos),
        Collections.unmodifiableMap(new LinkedHashMap<>(tensors)), List.of(), digest);
  }

  /**
   * The weights digest of a component: SHA-256 (hex) over, for each safetensors file in the given
   * order, its raw header bytes (8-byte length + JSON: every name, dtype, shape and offset)
   * followed by its file size as 8 little-endian bytes. It identifies the checkpoint without
   * hashing gigabytes of data; it does not detect a same-size edit of tensor values.
   */
  public static String digestOf(List<Path> files) {
    MessageDigest d = Digests.newSha256();
    for (Path f : files) {
      try (SafetensorsFile st = SafetensorsFile.open(f)) {
        d.update(st.headerBytes());
        Digests.updateLong(d, st.fileSize());
      }
    }
    return Digests.hex(d);
  }

  private static boolean matches(String name, List<String> prefixes) {
    if (prefixes.isEmpty()) {
      return true;
    }
    for (String p : prefixes) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** The tensor by checkpoint name; throws {@link CheckpointException} naming the component when absent. */
  public NDArray get(String name) {
    NDArray a = loaded.get(name);
    if (a != null) {
      return a;
    }
    if (!infos.containsKey(name)) {
      throw CheckpointException.missingTensor(name, source);
    }
    throw new CheckpointException(
        "tensor '" + name + "' of " + source + " was not loaded: the store was opened for prefixes " + prefixes);
  }

  /**
   * The tensor, checked against an expected shape ({@code -1} matches any size in that axis).
   *
   * @throws CheckpointException when missing or mis-shaped (message has both shapes)
   */
  public NDArray get(String name, long... expectedShape) {
    NDArray a = get(name);
    long[] found = infos.get(name).dims();
    if (!shapeMatches(expectedShape, found)) {
      throw CheckpointException.wrongShape(name, expectedShape, found, source);
    }
    return a;
  }

  private static boolean shapeMatches(long[] expected, long[] found) {
    if (expected.length != found.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] >= 0 && expected[i] != found[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether the checkpoint holds a tensor of that name (loaded or not). */
  public boolean contains(String name) {
    return infos.containsKey(name);
  }

  /** Shape from the header, without loading. */
  public long[] shape(String name) {
    TensorInfo info = infos.get(name);
    if (info == null) {
      throw CheckpointException.missingTensor(name, source);
    }
    return info.dims();
  }

  /** Every tensor name in the checkpoint. */
  public Set<String> names() {
    return infos.keySet();
  }

  /** Names of the tensors loaded into memory. */
  public Set<String> loadedNames() {
    return loaded.keySet();
  }

  /** A view whose names are relative to {@code prefix} (no trailing dot), e.g. "down_blocks.1.resnets.0". */
  public Weights scope(String prefix) {
    return new Weights(this, prefix.isEmpty() ? "" : prefix + ".");
  }

  /** A view at the root of the names. */
  public Weights root() {
    return new Weights(this, "");
  }

  public Placement placement() {
    return placement;
  }

  public DataType dtype() {
    return placement.dtype();
  }

  /** The manager owning the weights; forwards must allocate in their own sub-managers, not here. */
  public NDManager manager() {
    return manager;
  }

  /** How errors name this component. */
  public String source() {
    return source;
  }

  /** See {@link #digestOf}. */
  public String weightsDigest() {
    return weightsDigest;
  }

  /** Total number of loaded parameters. */
  public long loadedParameters() {
    return loaded.values().stream().mapToLong(a -> a.getShape().size()).sum();
  }

  @Override
  public void close() {
    manager.close();
  }

  @Override
  public String toString() {
    return source + " [" + loaded.size() + "/" + infos.size() + " tensors loaded, " + placement.dtype() + " on "
        + placement.device() + ", prefixes " + Arrays.toString(prefixes.toArray()) + "]";
  }
}
