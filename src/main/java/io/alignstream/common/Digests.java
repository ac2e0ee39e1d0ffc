package io.alignstream.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests, as lowercase hex: what records carry to say exactly which input they came from. */
public final class Digests {

  private Digests() {}

  public static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(newSha256().digest(bytes));
  }

  public static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * SHA-256 of a whole file, streamed: what identifies a single-file model wherever it is copied.
   *
   * @throws UncheckedIOException naming the file when it cannot be read
   */
  public static String sha256Hex(Path file) {
    MessageDigest d = newSha256();
    try {
      updateFile(d, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return hex(d);
  }

  /** Hex of what {@code digest} has been fed; resets it. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Feeds a long as 8 little-endian bytes. */
  public static void updateLong(MessageDigest digest, long value) {
    for (int i = 0; i < 8; i++) {
      digest.update((byte) (value >>> (8 * i)));
    }
  }

  /** Feeds a file's bytes, streamed (checkpoint files are gigabytes). */
  public static void updateFile(MessageDigest digest, Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
