package io.alignstream.extractor.vision;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The batch a network hands its runtime, in one direct (off-heap, native-order) buffer that is
 * kept from call to call and grown to the largest batch seen.
 *
 * <p>Why: ONNX Runtime and libtorch read input from direct memory only. Given a heap array, both
 * Java APIs allocated a fresh direct buffer per call, which the JVM zeroes and the kernel maps in
 * page by page: at batch 64 of 64 x 64 images that is 3 MiB, about 770 page faults, per forward,
 * a quarter to a third of the ViT fixture's CPU time (docs/benchmarks.md, "Vision models").
 * Not thread-safe: each network owns one and uses it under its own serialisation.
 */
final class InputBuffer {

  private ByteBuffer bytes = ByteBuffer.allocateDirect(0);
  private int generation;

  /**
   * Copies {@code pixels} in and returns them as native-order bytes, position 0 and limit 4 x
   * pixels.length; the returned view (and any tensor made on it) is valid until the next call.
   */
  ByteBuffer fill(float[] pixels) {
    int size = Math.multiplyExact(pixels.length, Float.BYTES);
    if (bytes.capacity() < size) {
      bytes = ByteBuffer.allocateDirect(size);
      generation++;
    }
    ByteBuffer view = bytes.duplicate().order(ByteOrder.nativeOrder());
    view.clear().limit(size);
    view.asFloatBuffer().put(pixels);
    return view;
  }

  /**
   * Changes whenever {@link #fill} moves to new memory: while it stays the same, a tensor made on
   * an earlier view reads each new batch of that size (libtorch keeps the address, not a copy).
   */
  int generation() {
    return generation;
  }
}
