package io.alignstream.producer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a 2-D NumPy {@code .npy} array (format versions 1.0, 2.0 and 3.0) of float32, float64,
 * int32 or int64 in either byte order, stored in C (row-major) or Fortran (column-major)
 * order. thingsvision and numpy.save write such files; the VICE embedding shipped in shared
 * data is float32 in Fortran order.
 */
public final class NpyReader {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
  private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

  private NpyReader() {}

  public static FeatureMatrix read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return parse(file, bytes);
  }

  static FeatureMatrix parse(Path file, byte[] bytes) {
    if (bytes.length < 10 || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw InvalidInputException.in(file, "not a NumPy .npy file (no \\x93NUMPY magic)");
    }
    int major = bytes[6] & 0xff;
    int minor = bytes[7] & 0xff;
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength;
    int headerStart;
    if (major == 1) {
      headerLength = buffer.getShort(8) & 0xffff;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw InvalidInputException.in(file, "truncated .npy header");
      }
      headerLength = buffer.getInt(8);
      headerStart = 12;
    } else {
      throw InvalidInputException.in(file, ".npy format version " + major + "." + minor
          + " is not supported (1.0, 2.0 and 3.0 are)");
    }
    if (headerLength < 0 || headerStart + (long) headerLength > bytes.length) {
      throw InvalidInputException.in(file, "truncated .npy header (" + headerLength + " bytes announced)");
    }
    String header = new String(bytes, headerStart, headerLength,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = find(file, DESCR, header, "descr");
    boolean fortranOrder = find(file, FORTRAN, header, "fortran_order").equals("True");
    long[] shape = shape(file, find(file, SHAPE, header, "shape"));
    ElementType type = ElementType.of(file, descr);
    if (shape[0] > Integer.MAX_VALUE || shape[1] > Integer.MAX_VALUE || shape[0] * shape[1] > Integer.MAX_VALUE - 8) {
      throw InvalidInputException.in(file, "array of shape " + shape[0] + " x " + shape[1] + " is too large");
    }
    int rows = (int) shape[0];
    int columns = (int) shape[1];
    int dataStart = headerStart + headerLength;
    long expected = (long) rows * columns * type.size;
    long available = bytes.length - dataStart;
    if (available != expected) {
      throw InvalidInputException.in(file, "shape " + rows + " x " + columns + " of " + descr + " needs " + expected
          + " data bytes but the file has " + available + (available < expected ? " (truncated?)" : ""));
    }
    ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) expected).slice().order(type.order);
    float[] values = new float[rows * columns];
    for (int stored = 0; stored < values.length; stored++) {
      // Fortran order stores column after column: element (r, c) is at c * rows + r.
      int target = fortranOrder ? (stored % rows) * columns + stored / rows : stored;
      values[target] = type.read(data, stored);
    }
    return new FeatureMatrix(rows, columns, values, type.dtype);
  }

  private static String find(Path file, Pattern pattern, String header, String key) {
    Matcher m = pattern.matcher(header);
    if (!m.find()) {
      throw InvalidInputException.in(file, "the .npy header has no usable '" + key + "' (header: " + header.strip()
          + ")" + (key.equals("descr") ? "; structured dtypes are not supported" : ""));
    }
    return m.group(1);
  }

  private static long[] shape(Path file, String text) {
    String[] parts = text.split(",");
    long[] dims = new long[2];
    int count = 0;
    for (String part : parts) {
      if (part.isBlank()) {
        continue;
      }
      if (count == 2) {
        throw InvalidInputException.in(file, "array of shape (" + text + ") has more than 2 dimensions;"
            + " expected rows (concepts) x features");
      }
      try {
        dims[count++] = Long.parseLong(part.strip().replaceAll("[lL]$", ""));
      } catch (NumberFormatException e) {
        throw InvalidInputException.in(file, "cannot read the .npy shape (" + text + ")");
      }
    }
    if (count != 2) {
      throw InvalidInputException.in(file, "array of shape (" + text + ") is not 2-D; expected rows (concepts) x features");
    }
    if (dims[0] == 0 || dims[1] == 0) {
      throw InvalidInputException.in(file, "array of shape (" + text + ") is empty");
    }
    return dims;
  }

  /** The dtypes accepted, with their byte order. */
  private record ElementType(String dtype, int size, ByteOrder order, char kind) {

    static ElementType of(Path file, String descr) {
      if (descr.length() < 3) {
        throw unsupported(file, descr);
      }
      char orderChar = descr.charAt(0);
      ByteOrder order = switch (orderChar) {
        case '<', '|' -> ByteOrder.LITTLE_ENDIAN;
        case '>' -> ByteOrder.BIG_ENDIAN;
        case '=' -> ByteOrder.nativeOrder();
        default -> throw unsupported(file, descr);
      };
      String code = descr.substring(1);
      return switch (code) {
        case "f4" -> new ElementType("float32", 4, order, 'f');
        case "f8" -> new ElementType("float64", 8, order, 'f');
        case "i4" -> new ElementType("int32", 4, order, 'i');
        case "i8" -> new ElementType("int64", 8, order, 'i');
        default -> throw unsupported(file, descr);
      };
    }

    float read(ByteBuffer data, int element) {
      int at = element * size;
      if (kind == 'f') {
        return size == 4 ? data.getFloat(at) : (float) data.getDouble(at);
      }
      return size == 4 ? data.getInt(at) : (float) data.getLong(at);
    }

    private static InvalidInputException unsupported(Path file, String descr) {
      return InvalidInputException.in(file, "dtype '" + descr
          + "' is not supported; save float32 or float64 (e.g. numpy.save(f, x.astype('float32')))");
    }
  }
}
