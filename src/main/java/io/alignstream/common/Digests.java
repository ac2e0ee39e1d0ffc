package io.alignstream.common;

import java.nio.charset.StandardCharsets;
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

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
