package io.alignstream.extractor.diffusion.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Read access to one {@code .safetensors} file: an 8-byte little-endian header length, a JSON
 * header naming every tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>Tensor data is memory-mapped one tensor at a time, so files of any size work (a single
 * mapping is limited to 2 GiB, which no Stable Diffusion tensor approaches) and nothing is read
 * into the Java heap unless a {@code float[]}/{@code long[]} accessor asks for it.
 */
public final class SafetensorsFile implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Headers of real checkpoints are well under 1 MB; a larger length means a corrupt file. */
  private static final long MAX_HEADER = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final long fileSize;
  private final byte[] header;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path path, FileChannel channel) throws IOException {
    this.path = path;
    this.channel = channel;
    this.fileSize = channel.size();
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(0, lengthBytes);
    long headerLength = lengthBytes.getLong(0);
    if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > fileSize) {
      throw new CheckpointException(path + " is not a safetensors file (header length " + headerLength + ")");
    }
    ByteBuffer json = ByteBuffer.allocate((int) headerLength);
    readFully(8, json);
    this.header = new byte[8 + (int) headerLength];
    System.arraycopy(lengthBytes.array(), 0, header, 0, 8);
    System.arraycopy(json.array(), 0, header, 8, (int) headerLength);
    this.dataStart = 8 + headerLength;

    JsonNode root = JSON.readTree(json.array());
    Map<String, TensorInfo> byName = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      byName.put(e.getKey(), parseEntry(e.getKey(), e.getValue()));
    }
    this.tensors = Collections.unmodifiableMap(byName);
    this.metadata = Collections.unmodifiableMap(meta);
  }

  /** Opens a file and parses its header; the data stays on disk until a tensor is asked for. */
  public static SafetensorsFile open(Path path) {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
      return new SafetensorsFile(path, channel);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new CheckpointException("cannot read " + path + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private TensorInfo parseEntry(String name, JsonNode node) {
    SafeDtype dtype = SafeDtype.parse(node.path("dtype").asText(), name, path);
    JsonNode shapeNode = node.path("shape");
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong();
    }
    JsonNode offsets = node.path("data_offsets");
    long begin = offsets.path(0).asLong(-1);
    long end = offsets.path(1).asLong(-1);
    TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
    if (begin < 0 || end < begin || dataStart + end > fileSize || info.byteLength() != info.size() * dtype.bytes()) {
      throw new CheckpointException(
          path + ": tensor '" + name + "' has byte range [" + begin + ", " + end + ") which does not fit "
              + info + " in a file of " + fileSize + " bytes");
    }
    return info;
  }

  public Path path() {
    return path;
  }

  /** Tensor names in header order. */
  public Set<String> names() {
    return tensors.keySet();
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** Header entry of a tensor; throws {@link CheckpointException} when absent. */
  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw CheckpointException.missingTensor(name, path);
    }
    return info;
  }

  /** All header entries in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} string map (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The raw header: 8 length bytes followed by the JSON, as stored (for digests). */
  public byte[] headerBytes() {
    return header.clone();
  }

  public long fileSize() {
    return fileSize;
  }

  /** The tensor's bytes, memory-mapped read-only, little-endian. */
  public ByteBuffer bytes(String name) {
    return bytes(info(name));
  }

  /**
   * The bytes of a header entry or of a view on one: an entry renamed, reshaped or cut to a
   * contiguous part of its byte range (a single-file checkpoint), memory-mapped.
   */
  public ByteBuffer bytes(TensorInfo info) {
    if (info.byteLength() > Integer.MAX_VALUE) {
      throw new CheckpointException(path + ": tensor '" + info.name() + "' exceeds 2 GiB, which one mapping cannot hold");
    }
    try {
      return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteLength())
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map '" + info.name() + "' in " + path, e);
    }
  }

  /** The values of a floating-point (or integer) tensor widened/narrowed to float, row-major. */
  public float[] floats(String name) {
    TensorInfo info = info(name);
    if (!info.dtype().isFloat()) {
      long[] integers = longs(name);
      float[] out = new float[integers.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = integers[i];
      }
      return out;
    }
    ByteBuffer b = bytes(name);
    float[] out = new float[Math.toIntExact(info.size())];
    switch (info.dtype()) {
      case F32 -> b.asFloatBuffer().get(out);
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = HalfFloats.halfToFloat(b.getShort(2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = HalfFloats.bf16ToFloat(b.getShort(2 * i));
        }
      }
      case F64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) b.getDouble(8 * i);
        }
      }
      default -> throw new IllegalStateException(info.dtype() + " is not a float type"); // integers returned above
    }
    return out;
  }

  /** The values of an integer tensor (U8 read unsigned), row-major. */
  public long[] longs(String name) {
    TensorInfo info = info(name);
    ByteBuffer b = bytes(name);
    long[] out = new long[Math.toIntExact(info.size())];
    switch (info.dtype()) {
      case I64 -> b.asLongBuffer().get(out);
      case I32 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getInt(4 * i);
        }
      }
      case U8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(i) & 0xFF;
        }
      }
      default -> throw new CheckpointException(
          path + ": tensor '" + name + "' is " + info.dtype() + ", not an integer tensor");
    }
    return out;
  }

  /**
   * The tensor as an NDArray in {@code computeType} on the manager's device, owned by
   * {@code manager} and independent of the mapped file.
   *
   * <p>The mapped bytes are handed to the engine uncopied (DJL shares direct buffers), then the
   * engine copies them once into its own memory while converting dtype/device; BF16 is widened
   * to F32 in Java first because a BF16 NDArray would abort the JVM.
   */
  public NDArray load(NDManager manager, String name, DataType computeType) {
    return load(manager, info(name), computeType);
  }

  /** As {@link #load(NDManager, String, DataType)}, for a header entry or a view on one (see {@link #bytes(TensorInfo)}). */
  public NDArray load(NDManager manager, TensorInfo info, DataType computeType) {
    requireSupportedCompute(computeType);
    Shape shape = new Shape(info.dims());
    Device device = manager.getDevice();
    try (NDManager staging = NDManager.newBaseManager(Device.cpu())) {
      NDArray raw;
      if (info.dtype() == SafeDtype.BF16) {
        raw = staging.create(HalfFloats.widenBf16(bytes(info)), shape, DataType.FLOAT32);
      } else {
        ByteBuffer data = bytes(info);
        // Unaligned element addresses are legal in safetensors; give the engine an aligned copy.
        if ((dataStart + info.begin()) % info.dtype().bytes() != 0) {
          data = ByteBuffer.allocateDirect(data.capacity()).order(ByteOrder.nativeOrder()).put(data).flip();
        }
        raw = staging.create(data, shape, info.dtype().engineType());
      }
      // duplicate()/toDevice() copy into engine-owned memory; the mapping can then go away.
      NDArray owned = device.equals(Device.cpu()) ? raw.duplicate() : raw.toDevice(device, false);
      NDArray typed = owned.getDataType() == computeType ? owned : owned.toType(computeType, false);
      typed.attach(manager);
      return typed;
    }
  }

  /** BF16 compute would abort the JVM (engine limitation); fail early and clearly instead. */
  static void requireSupportedCompute(DataType computeType) {
    if (computeType == DataType.BFLOAT16) {
      throw new IllegalArgumentException(
          "compute dtype bfloat16 is not supported: the DJL PyTorch engine aborts on bfloat16 arrays; "
              + "use float32 (CPU or GPU) or float16 (GPU)");
    }
  }

  private void readFully(long position, ByteBuffer into) throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, position + into.position());
      if (n < 0) {
        throw new CheckpointException(path + " ends inside its header");
      }
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to report than the error already being thrown
      }
    }
  }

  /** Closes the file; mappings already handed out stay valid until they are garbage. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
