package io.alignstream.common;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * How the C heap treats memory that native engines free: keep it for the next allocation, or
 * hand large blocks back to the kernel (glibc's default).
 *
 * <p>libtorch allocates every activation with {@code malloc} and frees it when the forward is
 * done. glibc serves a block over its mmap threshold (dynamic, at most 32 MiB on 64-bit) with a
 * fresh {@code mmap} and unmaps it on free, so the next forward faults the same memory in again,
 * page by page, and the kernel zeroes each page: ResNet-50 at 224 x 224, batch 16, made about
 * 300,000 page faults per batch and ran at 0.7-0.8x the speed it has without most of them
 * (docs/benchmarks.md). {@link #reuseFreedMemory} turns that off for the process through
 * {@code mallopt}: no block is served by its own mapping, and the heap's free top is not trimmed,
 * so freed activations are reused as they are. The price is that the process keeps its peak
 * native memory (a model process's steady state anyway) instead of returning it between batches.
 *
 * <p>Called in a running JVM it cannot reach everything: a block larger than a thread arena's
 * heap (64 MiB) is still mapped on its own, and a thread arena's heap that becomes wholly free is
 * still unmapped; {@code GLIBC_TUNABLES} with {@code glibc.malloc.arena_max=1}, read at process
 * start, also covers those (docs/platform.md). ONNX Runtime keeps its own arena and is
 * unaffected. Other C libraries (musl) have no such switches; there the call reports that
 * nothing changed.
 */
public final class NativeHeap {

  /** glibc's {@code mallopt} parameters (malloc.h). */
  private static final int M_TRIM_THRESHOLD = -1;
  private static final int M_MMAP_MAX = -4;

  private NativeHeap() {}

  /**
   * Keeps freed native memory in this process for reuse: no allocation gets a mapping of its own
   * and the heap is never trimmed. Process-wide, and it applies to allocations made after it.
   *
   * @return whether the C library took both settings (false where it is not glibc)
   */
  public static boolean reuseFreedMemory() {
    try {
      var mallopt = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
      boolean mappings = mallopt.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1;
      boolean trim = mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, Integer.MAX_VALUE}) == 1;
      return mappings && trim;
    } catch (UnsatisfiedLinkError e) {
      return false; // a C library without mallopt (macOS, Windows); musl's has it and answers 0
    }
  }
}
