package io.alignstream.scorer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test-only reader of a 2-d little-endian float32 .npy file (C or Fortran order) into rows. */
public final class NpyTestReader {

  private NpyTestReader() {}

  public static float[][] readMatrix(Path file) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[6];
    buffer.get(magic);
    if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
      throw new IOException(file + " is not a .npy file");
    }
    int major = buffer.get();
    buffer.get();
    int headerLength = major == 1 ? Short.toUnsignedInt(buffer.getShort()) : buffer.getInt();
    byte[] headerBytes = new byte[headerLength];
    buffer.get(headerBytes);
    String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
    if (!header.contains("'descr': '<f4'")) {
      throw new IOException(file + ": only little-endian float32 is read here, header " + header);
    }
    boolean fortran = header.contains("'fortran_order': True");
    Matcher shape = Pattern.compile("'shape': \\((\\d+), (\\d+)\\)").matcher(header);
    if (!shape.find()) {
      throw new IOException(file + ": not a 2-d array, header " + header);
    }
    int rows = Integer.parseInt(shape.group(1));
    int cols = Integer.parseInt(shape.group(2));
    float[][] matrix = new float[rows][cols];
    for (int k = 0; k < rows * cols; k++) {
      float value = buffer.getFloat();
      if (fortran) {
        matrix[k % rows][k / rows] = value;
      } else {
        matrix[k / cols][k % cols] = value;
      }
    }
    return matrix;
  }
}
