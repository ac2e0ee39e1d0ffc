package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeatureFilesTest {

  @TempDir
  Path dir;

  /** 3 x 4 values that are exact in float32: (r, c) -> r * 10 + c + 0.5, negated in row 2. */
  private static double value(int r, int c) {
    double v = r * 10 + c + 0.5;
    return r == 2 ? -v : v;
  }

  @ParameterizedTest(name = "version {0}, {1}, fortran {2}")
  @CsvSource({
      "1, <f4, false", "1, <f4, true", "1, >f4, false", "1, >f4, true",
      "1, <f8, false", "1, >f8, true", "2, <f4, true", "2, >f8, false",
      "3, <f4, false", "3, <f8, true", "1, <i4, false", "1, >i8, true"})
  void readsNpyInEveryVersionByteOrderAndLayout(int version, String descr, boolean fortran) throws Exception {
    Path file = dir.resolve("m.npy");
    Files.write(file, npy(version, descr, fortran, 3, 4));
    FeatureMatrix m = FeatureFiles.read(file);
    assertThat(m.rows()).isEqualTo(3);
    assertThat(m.columns()).isEqualTo(4);
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 4; c++) {
        double expected = descr.contains("i") ? Math.floor(Math.abs(value(r, c))) * Math.signum(value(r, c)) : value(r, c);
        assertThat((double) m.get(r, c)).as("(%d, %d)", r, c).isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "v1_c_le_f4.npy", "v1_c_le_f8.npy", "v1_f_be_f8.npy", "v2_f_le_f4.npy", "v3_c_be_f4.npy"})
  void readsFilesWrittenByNumpy(String name) throws Exception {
    Path folder = Path.of(getClass().getResource("/npy/expected_5x3.tsv").toURI()).getParent();
    List<String> expected = Files.readAllLines(folder.resolve("expected_5x3.tsv"));
    FeatureMatrix m = FeatureFiles.read(folder.resolve(name));
    assertThat(m.rows()).isEqualTo(expected.size());
    for (int r = 0; r < m.rows(); r++) {
      String[] cols = expected.get(r).split("\t");
      assertThat(m.columns()).isEqualTo(cols.length);
      for (int c = 0; c < cols.length; c++) {
        assertThat(m.get(r, c)).as("%s (%d, %d)", name, r, c).isEqualTo((float) Double.parseDouble(cols[c]));
      }
    }
  }

  @Test
  void theFortranOrderViceNpyEqualsItsRowMajorTsvCopyElementForElement() throws Exception {
    FeatureMatrix npy = FeatureFiles.read(SharedData.viceNpy());
    FeatureMatrix tsv = FeatureFiles.read(SharedData.viceTsv());
    List<String> lines = Files.readAllLines(SharedData.viceTsv());
    assertThat(npy.rows()).isEqualTo(lines.size()).isEqualTo(tsv.rows());
    assertThat(npy.columns()).isEqualTo(lines.get(0).split("\t").length).isEqualTo(tsv.columns());
    assertThat(npy.dtype()).isEqualTo("float32");
    int compared = 0;
    for (int r = 0; r < npy.rows(); r++) {
      String[] text = lines.get(r).split("\t");
      for (int c = 0; c < npy.columns(); c++) {
        double fromText = Double.parseDouble(text[c]);
        // The tsv holds 7 significant digits: it must agree to half a unit in the 7th digit.
        assertThat((double) npy.get(r, c)).as("(%d, %d)", r, c)
            .isCloseTo(fromText, org.assertj.core.data.Offset.offset(5.0e-7 * Math.abs(fromText) + 1e-12));
        assertThat(tsv.get(r, c)).isEqualTo((float) fromText);
        compared++;
      }
    }
    assertThat(compared).isEqualTo(1854 * 42);
    assertThat(npy.rowsWithNonFiniteValues()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"features-vice.hdf5, , float32", "features-vice-gzip.hdf5, model/layer/features, float64"})
  void bothHdf5FixturesHoldExactlyTheViceNpyValues(String name, String datasetPath, String dtype) {
    FeatureMatrix npy = FeatureFiles.read(SharedData.viceNpy());
    FeatureMatrix hdf5 = FeatureFiles.read(SharedData.fixture(name), datasetPath);
    assertThat(hdf5.dtype()).isEqualTo(dtype);
    assertThat(hdf5.rows()).isEqualTo(npy.rows()).isEqualTo(1854);
    assertThat(hdf5.columns()).isEqualTo(npy.columns()).isEqualTo(42);
    // Exact, bit for bit: the float64 file holds the float32 values widened.
    for (int i = 0; i < npy.values().length; i++) {
      assertThat(Float.floatToRawIntBits(hdf5.values()[i])).as("%s value %d", name, i)
          .isEqualTo(Float.floatToRawIntBits(npy.values()[i]));
    }
  }

  @Test
  void explainsHdf5FilesItCannotUse() throws Exception {
    Path gzip = SharedData.fixture("features-vice-gzip.hdf5");
    assertThatThrownBy(() -> FeatureFiles.read(gzip)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no dataset 'features' (use --dataset-path); datasets in the file: model/layer/features");
    assertThatThrownBy(() -> FeatureFiles.read(gzip, "model/layer"))
        .hasMessageContaining("'model/layer' is a group, not a dataset");
    assertThatThrownBy(() -> FeatureFiles.read(SharedData.viceNpy(), "features"))
        .hasMessageContaining("--dataset-path features applies to HDF5 files (.h5, .hdf5) only");

    Path notHdf5 = Files.write(dir.resolve("features.h5"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> FeatureFiles.read(notHdf5)).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith(notHdf5 + ": cannot read HDF5 dataset 'features': ");

    Path shapes = dir.resolve("shapes.hdf5");
    try (WritableHdfFile out = HdfFile.write(shapes)) {
      out.putDataset("cube", new float[][][] {{{1f, 2f}}, {{3f, 4f}}});
      out.putDataset("vector", new double[] {1, 2, 3});
      out.putDataset("names", new String[] {"a", "b"});
      out.putDataset("ints", new int[][] {{1, -2}, {3, 4}});
    }
    assertThatThrownBy(() -> FeatureFiles.read(shapes, "cube"))
        .hasMessageContaining("dataset 'cube' has shape [2, 1, 2]; expected 2-D rows (concepts) x features");
    assertThatThrownBy(() -> FeatureFiles.read(shapes, "vector")).hasMessageContaining("has shape [3]");
    assertThatThrownBy(() -> FeatureFiles.read(shapes, "/names")).hasMessageContaining("has shape [2]");
    FeatureMatrix ints = FeatureFiles.read(shapes, "/ints");
    assertThat(ints.dtype()).isEqualTo("int32");
    assertThat(ints.values()).containsExactly(1f, -2f, 3f, 4f);
  }

  @Test
  void readsTextFeaturesWithAnyDelimiterAndAHeader() throws Exception {
    Path csv = Files.writeString(dir.resolve("f.csv"), "d0,d1,d2\n1,2,3\n4.5,-5e-1,NaN\n");
    FeatureMatrix m = FeatureFiles.read(csv);
    assertThat(m.rows()).isEqualTo(2);
    assertThat(m.row(0)).containsExactly(1f, 2f, 3f);
    assertThat(m.get(1, 1)).isEqualTo(-0.5f);
    assertThat(m.get(1, 2)).isNaN();
    assertThat(m.rowsWithNonFiniteValues()).containsExactly(1);

    Path txt = Files.writeString(dir.resolve("f.txt"), "1.0 2.0\n\n3.0   4.0\n");
    assertThat(FeatureFiles.read(txt).row(1)).containsExactly(3f, 4f);
  }

  @Test
  void explainsFilesItCannotUse() throws Exception {
    Path ragged = Files.writeString(dir.resolve("r.tsv"), "1\t2\n3\n");
    assertThatThrownBy(() -> FeatureFiles.read(ragged)).hasMessageContaining("r.tsv:2: 1 values where the first row has 2");
    Path word = Files.writeString(dir.resolve("w.tsv"), "1\t2\n3\tx\n");
    assertThatThrownBy(() -> FeatureFiles.read(word)).hasMessageContaining("w.tsv:2: value 2 is 'x', not a number");

    Path notNpy = Files.write(dir.resolve("x.npy"), "hello world".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> FeatureFiles.read(notNpy)).hasMessageContaining("not a NumPy .npy file");

    byte[] full = npy(1, "<f4", false, 3, 4);
    Path truncated = Files.write(dir.resolve("t.npy"), java.util.Arrays.copyOf(full, full.length - 4));
    assertThatThrownBy(() -> FeatureFiles.read(truncated)).hasMessageContaining("needs 48 data bytes but the file has 44");

    Path complex = Files.write(dir.resolve("c.npy"), npyHeader(1, "<c8", false, "(3, 4)"));
    assertThatThrownBy(() -> FeatureFiles.read(complex)).hasMessageContaining("dtype '<c8' is not supported");
    Path cube = Files.write(dir.resolve("k.npy"), npyHeader(1, "<f4", false, "(2, 2, 2)"));
    assertThatThrownBy(() -> FeatureFiles.read(cube)).hasMessageContaining("more than 2 dimensions");
    Path vector = Files.write(dir.resolve("v.npy"), npyHeader(1, "<f4", false, "(5,)"));
    assertThatThrownBy(() -> FeatureFiles.read(vector)).hasMessageContaining("is not 2-D");

    assertThatThrownBy(() -> FeatureFiles.read(dir.resolve("absent.npy"))).hasMessageContaining("does not exist");
    Path other = Files.write(dir.resolve("f.parquet"), new byte[] {1});
    assertThatThrownBy(() -> FeatureFiles.read(other)).hasMessageContaining("use .npy, .h5, .hdf5, .txt, .tsv or .csv");
  }

  @Test
  void requiresOneRowPerConcept() throws Exception {
    Path file = Files.writeString(dir.resolve("f.tsv"), "1\t2\n3\t4\n");
    FeatureMatrix m = FeatureFiles.read(file);
    assertThatThrownBy(() -> m.requireRowsFor(ConceptList.of(List.of("a", "b", "c")), file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("2 rows of features but the concept list has 3 concepts");
  }

  /** A .npy file written the way numpy does: magic, version, padded header dict, data. */
  static byte[] npy(int version, String descr, boolean fortran, int rows, int cols) {
    byte[] header = npyHeader(version, descr, fortran, "(" + rows + ", " + cols + ")");
    int size = descr.endsWith("8") ? 8 : 4;
    ByteBuffer data = ByteBuffer.allocate(rows * cols * size)
        .order(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    for (int k = 0; k < rows * cols; k++) {
      int r = fortran ? k % rows : k / cols;
      int c = fortran ? k / rows : k % cols;
      double v = value(r, c);
      switch (descr.substring(1)) {
        case "f4" -> data.putFloat((float) v);
        case "f8" -> data.putDouble(v);
        case "i4" -> data.putInt((int) v);
        case "i8" -> data.putLong((long) v);
        default -> throw new IllegalArgumentException(descr);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header);
    out.writeBytes(data.array());
    return out.toByteArray();
  }

  static byte[] npyHeader(int version, String descr, boolean fortran, String shape) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape
        + ", }";
    int prefix = version == 1 ? 10 : 12;
    StringBuilder text = new StringBuilder(dict);
    while ((prefix + text.length() + 1) % 64 != 0) {
      text.append(' ');
    }
    text.append('\n');
    byte[] headerBytes = text.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer buffer = ByteBuffer.allocate(prefix + headerBytes.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
    if (version == 1) {
      buffer.putShort((short) headerBytes.length);
    } else {
      buffer.putInt(headerBytes.length);
    }
    buffer.put(headerBytes);
    return buffer.array();
  }
}
