package io.alignstream.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;

/**
 * Files and records an attacker (or a broken client) sends: decompression bombs, truncated and
 * damaged images, bytes that are not an image or not Avro. {@code bench hostile} mixes them into
 * a stream of good requests; the bad-input tests use the same ones.
 */
public final class HostileInputs {

  private HostileInputs() {}

  /**
   * A valid greyscale PNG of {@code side} x {@code side} one-bit pixels, all black, written row
   * by row through a deflater so that not even one row of it is held: 30000 x 30000 is a 109 KB
   * file that declares 900 million pixels (112 MB decoded as bits, 3.6 GB as ARGB).
   */
  public static byte[] pngBomb(int side) {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    ByteBuffer header = ByteBuffer.allocate(13).putInt(side).putInt(side)
        .put((byte) 1) // bit depth 1
        .put((byte) 0) // colour type 0: greyscale
        .put((byte) 0).put((byte) 0).put((byte) 0); // deflate, adaptive filtering, no interlace
    chunk(png, "IHDR", header.array());
    byte[] row = new byte[1 + (side + 7) / 8]; // filter type 0, then the row's bits: all zero
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    for (int y = 0; y < side; y++) {
      deflater.setInput(row);
      while (!deflater.needsInput()) {
        idat.write(buffer, 0, deflater.deflate(buffer));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      idat.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    chunk(png, "IDAT", idat.toByteArray());
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  /**
   * A baseline JPEG whose frame header is rewritten to declare {@code width} x {@code height}
   * (the file itself holds 16 x 16 pixels): a header-only bomb of any size up to 65535 x 65535.
   */
  public static byte[] jpegDeclaring(int width, int height) {
    byte[] jpeg = encode(image(16, 0x336699), "jpg");
    for (int i = 2; i + 8 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xFF && (jpeg[i + 1] & 0xff) == 0xC0) { // SOF0: length, precision, height, width
        jpeg[i + 5] = (byte) (height >> 8);
        jpeg[i + 6] = (byte) height;
        jpeg[i + 7] = (byte) (width >> 8);
        jpeg[i + 8] = (byte) width;
        return jpeg;
      }
    }
    throw new IllegalStateException("the JPEG encoder wrote no SOF0 frame header");
  }

  /** A small valid image of one colour, encoded as {@code format} ("png", "jpg", "gif", "bmp"). */
  public static byte[] solid(int side, int rgb, String format) {
    return encode(image(side, rgb), format);
  }

  /** The first {@code fraction} of the bytes: a file cut off in transfer. */
  public static byte[] truncated(byte[] bytes, double fraction) {
    return Arrays.copyOf(bytes, (int) (bytes.length * fraction));
  }

  /** Text that is no image, e.g. an HTML error page saved under an image's name. */
  public static byte[] htmlPage() {
    return "<!doctype html><html><body>404 Not Found</body></html>".getBytes(StandardCharsets.US_ASCII);
  }

  private static BufferedImage image(int side, int rgb) {
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        image.setRGB(x, y, rgb ^ ((x * 7 + y * 13) & 0x0f) * 0x010101);
      }
    }
    return image;
  }

  private static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalArgumentException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    png.writeBytes(typeBytes);
    png.writeBytes(data);
    png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
