package io.alignstream.scorer.state;

import io.alignstream.common.Digests;
import io.alignstream.schema.Setting;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Comparator;

/**
 * What a probe or regression job of one setting is computed from, copied off the scoring state
 * so the job can run on another thread while the state moves on. Canonical, whatever order the
 * inputs arrived in: objects sorted by id, each triplet as {@code {i, j, k}} with i < j the human
 * pair and k the odd one, rows sorted. So equal inputs give bit-equal arrays, the deterministic
 * engines give equal results, and {@link #digest} tells equal inputs apart from changed ones.
 *
 * @param settingKey the setting's key
 * @param setting the setting
 * @param items object ids, sorted; row r of {@code features} is item r
 * @param features one vector per object (the setting's embedded objects that some triplet names)
 * @param triplets every response whose three objects are embedded here, as rows into {@code items}
 * @param itemsReferenced objects named by any known triplet (coverage = items.length / itemsReferenced)
 * @param updatedAt stream time of the last change to these inputs
 * @param digest SHA-256 over items, vectors and triplets
 */
public record AnalysisInputs(String settingKey, Setting setting, String[] items, float[][] features, int[][] triplets,
    int itemsReferenced, long updatedAt, String digest) {

  public static final Comparator<int[]> ROW_ORDER = (a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0])
      : a[1] != b[1] ? Integer.compare(a[1], b[1]) : Integer.compare(a[2], b[2]);

  /** Sorts the triplet rows and computes the digest. */
  static AnalysisInputs of(String settingKey, Setting setting, String[] items, float[][] features, int[][] triplets,
      int itemsReferenced, long updatedAt) {
    Arrays.sort(triplets, ROW_ORDER);
    MessageDigest sha = Digests.newSha256();
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < items.length; r++) {
      sha.update(items[r].getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      for (float v : features[r]) {
        if (buffer.remaining() < Float.BYTES) {
          flush(sha, buffer);
        }
        buffer.putInt(Float.floatToIntBits(v));
      }
      flush(sha, buffer);
    }
    for (int[] t : triplets) {
      if (buffer.remaining() < 3 * Integer.BYTES) {
        flush(sha, buffer);
      }
      buffer.putInt(t[0]).putInt(t[1]).putInt(t[2]);
    }
    flush(sha, buffer);
    return new AnalysisInputs(settingKey, setting, items, features, triplets, itemsReferenced, updatedAt,
        Digests.hex(sha));
  }

  private static void flush(MessageDigest sha, ByteBuffer buffer) {
    sha.update(buffer.array(), 0, buffer.position());
    buffer.clear();
  }

  public int objects() {
    return items.length;
  }
}
