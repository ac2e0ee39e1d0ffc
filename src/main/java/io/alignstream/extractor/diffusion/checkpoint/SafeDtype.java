package io.alignstream.extractor.diffusion.checkpoint;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The safetensors element types this project reads, with their width and the DJL type a raw
 * buffer of them can be handed to.
 *
 * <p>BF16 has no DJL type on purpose: any BFLOAT16 NDArray aborts the JVM in the PyTorch engine
 * this project pins, so BF16 data is widened to F32 in Java before it reaches the engine.
 */
public enum SafeDtype {
  F64(8, DataType.FLOAT64),
  F32(4, DataType.FLOAT32),
  F16(2, DataType.FLOAT16),
  BF16(2, null),
  I64(8, DataType.INT64),
  I32(4, DataType.INT32),
  U8(1, DataType.UINT8);

  private final int bytes;
  private final DataType engineType;

  SafeDtype(int bytes, DataType engineType) {
    this.bytes = bytes;
    this.engineType = engineType;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether the values are floating point. */
  public boolean isFloat() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** The DJL type whose NDArray can hold this data unconverted; null for BF16 (see class doc). */
  DataType engineType() {
    return engineType;
  }

  /** Parses the header's dtype string, naming the supported ones when it is not one of them. */
  public static SafeDtype parse(String code, String tensor, Object file) {
    for (SafeDtype d : values()) {
      if (d.name().equals(code)) {
        return d;
      }
    }
    throw new CheckpointException(
        "tensor '" + tensor + "' in " + file + " has dtype " + code + "; supported: "
            + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
  }
}
