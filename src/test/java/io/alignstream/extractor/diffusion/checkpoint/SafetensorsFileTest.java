package io.alignstream.extractor.diffusion.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

  @TempDir Path tmp;

  /** Bit patterns and values from the IEEE 754 binary16 and bfloat16 definitions. */
  private static final short[] HALF_BITS = {0x3C00, (short) 0xC000, 0x3800, 0x7BFF, 0x0001, (short) 0x8000};
  private static final float[] HALF_VALUES = {1f, -2f, 0.5f, 65504f, 0x1p-24f, -0f};
  private static final short[] BF16_BITS = {0x3F80, (short) 0xC049, 0x4780, 0x0000};
  private static final float[] BF16_VALUES = {1f, -3.140625f, 65536f, 0f};

  private static byte[] shorts(short... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short v : values) {
      b.putShort(v);
    }
    return b.array();
  }

  private Path writeSample() {
    Path file = tmp.resolve("sample.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .putFloats("a.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6.5f})
        .putLongs("ids", new long[] {3}, new long[] {49406, -1, 0})
        .putRaw("half", SafeDtype.F16, new long[] {HALF_BITS.length}, shorts(HALF_BITS))
        .putRaw("brain", SafeDtype.BF16, new long[] {2, 2}, shorts(BF16_BITS))
        .putRaw("bytes", SafeDtype.U8, new long[] {2}, new byte[] {7, (byte) 255})
        .write(file);
    return file;
  }

  @Test
  void roundTripsNamesShapesMetadataAndValues() {
    try (SafetensorsFile st = SafetensorsFile.open(writeSample())) {
      assertThat(st.names()).containsExactly("a.weight", "ids", "half", "brain", "bytes");
      assertThat(st.metadata()).containsEntry("format", "pt");
      assertThat(st.info("a.weight").dims()).containsExactly(2, 3);
      assertThat(st.info("a.weight").dtype()).isEqualTo(SafeDtype.F32);
      assertThat(st.floats("a.weight")).containsExactly(1, 2, 3, 4, 5, 6.5f);
      assertThat(st.longs("ids")).containsExactly(49406, -1, 0);
      assertThat(st.longs("bytes")).containsExactly(7, 255);
      // integer tensors read as floats: I64 keeps its sign, U8 reads unsigned
      assertThat(st.floats("ids")).containsExactly(49406f, -1f, 0f);
      assertThat(st.floats("bytes")).containsExactly(7f, 255f);
      assertThat(st.floats("half")).containsExactly(HALF_VALUES);
      assertThat(st.floats("brain")).containsExactly(BF16_VALUES);
      assertThat(st.headerBytes().length % 8).isZero();
    }
  }

  @Test
  void writerIsDeterministic() throws Exception {
    Path first = writeSample();
    byte[] a = Files.readAllBytes(first);
    byte[] b = Files.readAllBytes(writeSample());
    assertThat(a).isEqualTo(b);
  }

  @Test
  void loadsNdArraysConvertingF16AndBf16ToFloat32() {
    try (SafetensorsFile st = SafetensorsFile.open(writeSample());
        NDManager m = NDManager.newBaseManager()) {
      NDArray half = st.load(m, "half", DataType.FLOAT32);
      assertThat(half.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(half.toFloatArray()).containsExactly(HALF_VALUES);
      NDArray brain = st.load(m, "brain", DataType.FLOAT32);
      assertThat(brain.getShape().getShape()).containsExactly(2, 2);
      assertThat(brain.toFloatArray()).containsExactly(BF16_VALUES);
      NDArray f32 = st.load(m, "a.weight", DataType.FLOAT32);
      assertThat(f32.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6.5f);
      // f32 narrowed to f16 keeps values representable in half exactly
      assertThat(st.load(m, "a.weight", DataType.FLOAT16).toType(DataType.FLOAT32, false).toFloatArray())
          .containsExactly(1, 2, 3, 4, 5, 6.5f);
      assertThat(st.load(m, "ids", DataType.FLOAT32).toFloatArray()).containsExactly(49406f, -1f, 0f);
      assertThatThrownBy(() -> st.load(m, "brain", DataType.BFLOAT16))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bfloat16");
    }
  }

  @Test
  void loadedArraysDoNotShareTheMappedFile() throws Exception {
    Path file = writeSample();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a;
      try (SafetensorsFile st = SafetensorsFile.open(file)) {
        a = st.load(m, "a.weight", DataType.FLOAT32);
      }
      Files.delete(file);
      Files.write(file, new byte[64]);
      assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6.5f);
    }
  }

  @Test
  void rejectsUnknownDtypeAndBadOffsets() throws Exception {
    Path bad = tmp.resolve("bad.safetensors");
    writeRawHeader(bad, "{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
    assertThatThrownBy(() -> SafetensorsFile.open(bad))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("F8_E4M3")
        .hasMessageContaining("supported");
    Path shortFile = tmp.resolve("short.safetensors");
    writeRawHeader(shortFile, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
    assertThatThrownBy(() -> SafetensorsFile.open(shortFile))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("'x'");
  }

  private static void writeRawHeader(Path file, String json, int dataBytes) throws Exception {
    byte[] j = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(j.length).put(j);
    Files.write(file, b.array());
  }
}
