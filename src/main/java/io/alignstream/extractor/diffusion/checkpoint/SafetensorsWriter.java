package io.alignstream.extractor.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@code .safetensors} file: tensors are written in the order they were added, the
 * header is padded with spaces to a multiple of 8 bytes (as the reference writer does) so every
 * tensor starts 8-byte aligned when element sizes are 4 or 8, and the same input always yields
 * the same bytes.
 */
public final class SafetensorsWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(String name, SafeDtype dtype, long[] shape, byte[] data) {}

  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, Boolean> names = new LinkedHashMap<>();

  /** Adds one {@code __metadata__} string entry. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Adds an F32 tensor; {@code values} is row-major and must have the shape's element count. */
  public SafetensorsWriter putFloats(String name, long[] shape, float[] values) {
    checkCount(name, shape, values.length);
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return add(new Entry(name, SafeDtype.F32, shape.clone(), b.array()));
  }

  /** Adds an I64 tensor. */
  public SafetensorsWriter putLongs(String name, long[] shape, long[] values) {
    checkCount(name, shape, values.length);
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return add(new Entry(name, SafeDtype.I64, shape.clone(), b.array()));
  }

  /** Adds a float32 or int64 NDArray (copied to the heap now). */
  public SafetensorsWriter putArray(String name, NDArray array) {
    long[] shape = array.getShape().getShape();
    if (array.getDataType() == DataType.FLOAT32) {
      return putFloats(name, shape, array.toFloatArray());
    }
    if (array.getDataType() == DataType.INT64) {
      return putLongs(name, shape, array.toLongArray());
    }
    throw new IllegalArgumentException(
        "tensor '" + name + "' is " + array.getDataType() + "; the writer stores float32 and int64 only");
  }

  /** Adds already-encoded little-endian bytes of any dtype (used to build test files). */
  public SafetensorsWriter putRaw(String name, SafeDtype dtype, long[] shape, byte[] littleEndian) {
    long count = count(shape);
    if (littleEndian.length != count * dtype.bytes()) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + littleEndian.length + " bytes do not hold " + count + " " + dtype);
    }
    return add(new Entry(name, dtype, shape.clone(), littleEndian.clone()));
  }

  private SafetensorsWriter add(Entry e) {
    if (e.name().equals("__metadata__") || names.put(e.name(), Boolean.TRUE) != null) {
      throw new IllegalArgumentException("duplicate or reserved tensor name '" + e.name() + "'");
    }
    entries.add(e);
    return this;
  }

  /** Writes the file, replacing any existing one. */
  public void write(Path file) {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Writes the file's bytes to a stream. */
  public void write(OutputStream out) throws IOException {
    byte[] header = header();
    ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
    out.write(length.array());
    out.write(header);
    for (Entry e : entries) {
      out.write(e.data());
    }
  }

  private byte[] header() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry e : entries) {
      ObjectNode t = root.putObject(e.name());
      t.put("dtype", e.dtype().name());
      ArrayNode shape = t.putArray("shape");
      for (long d : e.shape()) {
        shape.add(d);
      }
      ArrayNode offsets = t.putArray("data_offsets");
      offsets.add(offset);
      offsets.add(offset + e.data().length);
      offset += e.data().length;
    }
    byte[] json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = new byte[padded];
    System.arraycopy(json, 0, header, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      header[i] = ' ';
    }
    return header;
  }

  private static void checkCount(String name, long[] shape, int n) {
    if (count(shape) != n) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + n + " values do not fill shape " + java.util.Arrays.toString(shape));
    }
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
