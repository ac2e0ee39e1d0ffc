package io.alignstream.bench;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Items, triplets and vectors for the scorer benchmark: the real THINGS test triplets when the
 * shared data is present, otherwise random triplets of the same size; random Gaussian vectors,
 * regenerated from a seed on demand so that 100 settings x 1854 items x 1280 floats need not be
 * held twice.
 */
final class BenchData {

  final List<String> items;
  /** Triplet t is items a[t], b[t] (the human pair) and c[t] (the human odd one), item indices. */
  final int[] a;
  final int[] b;
  final int[] c;
  final String source;
  private final long seed;

  private BenchData(List<String> items, int[] a, int[] b, int[] c, String source, long seed) {
    this.items = items;
    this.a = a;
    this.b = b;
    this.c = c;
    this.source = source;
    this.seed = seed;
  }

  int triplets() {
    return a.length;
  }

  /** The THINGS triplets ({@code i j k}, the last the odd one) with concept ids, if both files exist. */
  static BenchData load(Path tripletFile, Path idFile, int itemCount, int tripletCount, long seed) throws IOException {
    if (tripletFile != null && Files.isRegularFile(tripletFile)) {
      List<String> ids = idFile != null && Files.isRegularFile(idFile)
          ? Files.readAllLines(idFile).stream().map(String::strip).filter(s -> !s.isEmpty()).toList()
          : null;
      List<int[]> rows = new ArrayList<>();
      int maxIndex = -1;
      for (String line : Files.readAllLines(tripletFile)) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 3) {
          int[] row = {Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])};
          rows.add(row);
          maxIndex = Math.max(maxIndex, Math.max(row[0], Math.max(row[1], row[2])));
        }
      }
      List<String> items = new ArrayList<>();
      for (int i = 0; i <= maxIndex; i++) {
        items.add(ids != null && i < ids.size() ? ids.get(i) : "item-" + i);
      }
      int[] a = new int[rows.size()];
      int[] b = new int[rows.size()];
      int[] c = new int[rows.size()];
      for (int t = 0; t < rows.size(); t++) {
        a[t] = rows.get(t)[0];
        b[t] = rows.get(t)[1];
        c[t] = rows.get(t)[2];
      }
      return new BenchData(items, a, b, c, tripletFile.getFileName().toString(), seed);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<String> items = new ArrayList<>();
    for (int i = 0; i < itemCount; i++) {
      items.add("item-" + i);
    }
    int[] a = new int[tripletCount];
    int[] b = new int[tripletCount];
    int[] c = new int[tripletCount];
    for (int t = 0; t < tripletCount; t++) {
      Set<Integer> three = new HashSet<>();
      while (three.size() < 3) {
        three.add(random.nextInt(itemCount));
      }
      Integer[] chosen = three.toArray(new Integer[0]);
      a[t] = chosen[0];
      b[t] = chosen[1];
      c[t] = chosen[2];
    }
    return new BenchData(items, a, b, c, "random", seed);
  }

  /** Setting keys ({@link SettingKey#of}) of the first {@code settings} bench settings, with their index. */
  static Map<String, Integer> settingIndexes(int settings) {
    Map<String, Integer> indexOf = new LinkedHashMap<>();
    for (int s = 0; s < settings; s++) {
      indexOf.put(SettingKey.of(setting(s)), s);
    }
    return indexOf;
  }

  /** Every item index once, in the order the seed shuffles them: the order the benches send items in. */
  List<Integer> itemOrder() {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    return order;
  }

  /** Triplets whose three items all have vectors: what a setting's total reaches with those items scored. */
  long tripletsAmong(boolean[] present) {
    long total = 0;
    for (int t = 0; t < a.length; t++) {
      if (present[a[t]] && present[b[t]] && present[c[t]]) {
        total++;
      }
    }
    return total;
  }

  static Setting setting(int index) {
    return Setting.newBuilder().setModelId("bench").setLayer("L" + (index % 10))
        .setNoiseLevel((index / 10) / 10.0).setTimestep(0).setConditioning(Conditioning.NONE).build();
  }

  /** The vectors of one dimension by setting and item index. */
  @FunctionalInterface
  interface Vectors {
    float[] of(int setting, int item);
  }

  /** Every vector generated when asked for: nothing held. */
  Vectors vectors(int dim) {
    return (setting, item) -> vector(setting, item, dim);
  }

  /**
   * Every vector of the first {@code settings} settings generated now and held (settings x items
   * x dim floats: 950 MB at 1280 x 100), so that a bench's stand-in extractors spend no time in
   * the timed part on Gaussian numbers (about 25 us per vector at d = 1280), which real
   * extractors on other hosts do not spend on the scorer's cores either.
   */
  Vectors vectorTable(int settings, int dim) {
    float[][][] table = new float[settings][items.size()][];
    for (int s = 0; s < settings; s++) {
      for (int i = 0; i < items.size(); i++) {
        table[s][i] = vector(s, i, dim);
      }
    }
    return (setting, item) -> table[setting][item];
  }

  float[] vector(int setting, int item, int dim) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + setting * 7_919L + item);
    float[] v = new float[dim];
    for (int d = 0; d < dim; d++) {
      v[d] = (float) random.nextGaussian();
    }
    return v;
  }

  /**
   * The straightforward batch computation, per setting: one row-normalized matrix, then three
   * dot products per triplet over contiguous rows; ties at the top go to the human pair, all
   * three equal count wrong. Returns correct counts per setting. In double (products of floats
   * are exact, as in the scorer) this is the reference the scorer must equal exactly; in float
   * it is faster but its rounding (about 1e-7 relative per similarity, more with d) flips
   * near-tied triplets.
   */
  long[] batchCorrect(int settings, int dim, boolean inDouble) {
    long[] correct = new long[settings];
    double[] matrix = inDouble ? new double[items.size() * dim] : null;
    float[] floats = inDouble ? null : new float[items.size() * dim];
    for (int s = 0; s < settings; s++) {
      for (int i = 0; i < items.size(); i++) {
        float[] v = vector(s, i, dim);
        double norm = 0;
        for (float x : v) {
          norm += (double) x * x;
        }
        double inverse = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        for (int d = 0; d < dim; d++) {
          if (inDouble) {
            matrix[i * dim + d] = v[d] * inverse;
          } else {
            floats[i * dim + d] = (float) (v[d] * inverse);
          }
        }
      }
      long count = 0;
      for (int t = 0; t < a.length; t++) {
        int x = a[t] * dim;
        int y = b[t] * dim;
        int z = c[t] * dim;
        double ab = inDouble ? dot(matrix, x, y, dim) : dot(floats, x, y, dim);
        double ac = inDouble ? dot(matrix, x, z, dim) : dot(floats, x, z, dim);
        double bc = inDouble ? dot(matrix, y, z, dim) : dot(floats, y, z, dim);
        if (!(ab == ac && ab == bc) && ab >= ac && ab >= bc) {
          count++;
        }
      }
      correct[s] = count;
    }
    return correct;
  }

  private static double dot(double[] m, int x, int y, int dim) {
    double sum = 0;
    for (int d = 0; d < dim; d++) {
      sum += m[x + d] * m[y + d];
    }
    return sum;
  }

  private static float dot(float[] m, int x, int y, int dim) {
    float sum = 0;
    for (int d = 0; d < dim; d++) {
      sum += m[x + d] * m[y + d];
    }
    return sum;
  }
}
