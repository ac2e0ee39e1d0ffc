package io.alignstream.extractor.diffusion.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** IEEE half (F16) and bfloat16 (BF16) bit patterns to float; Java 17 has neither built in. */
public final class HalfFloats {

  private HalfFloats() {}

  /** bfloat16 is the upper half of a float32, so widening is a shift. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** Decodes an IEEE 754 binary16 value exactly (every half is representable as a float). */
  public static float halfToFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) {
      // infinity or NaN: keep the payload in the top mantissa bits
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // zero or subnormal: value = mantissa * 2^-24, exact in float
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** A new direct native-order buffer holding the BF16 input widened to F32. */
  static ByteBuffer widenBf16(ByteBuffer bf16) {
    int n = bf16.capacity() / 2;
    ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      out.putFloat(4 * i, bf16ToFloat(bf16.getShort(2 * i)));
    }
    return out;
  }
}
