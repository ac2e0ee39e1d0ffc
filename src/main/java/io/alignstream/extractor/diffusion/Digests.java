package io.alignstream.extractor.diffusion;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers shared by the checkpoint classes. */
final class Digests {

  private Digests() {}

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime ships SHA-256", e);
    }
  }

  static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  static String sha256Hex(byte[] bytes) {
    MessageDigest d = sha256();
    d.update(bytes);
    return hex(d);
  }

  /** Feeds a long as 8 little-endian bytes. */
  static void updateLong(MessageDigest d, long v) {
    for (int i = 0; i < 8; i++) {
      d.update((byte) (v >>> (8 * i)));
    }
  }
}
