package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

/**
 * With freed memory kept, a large block freed and allocated again is the same memory, already
 * mapped: touching it the second time costs no page faults. With glibc's default a block of this
 * size is a mapping of its own, unmapped on free, and the second touch faults every page again
 * (12,288 faults for 48 MiB of 4 KiB pages). The speed this buys a model is measured, not tested:
 * docs/benchmarks.md.
 */
class NativeHeapTest {

  private static final long BLOCK = 48L << 20; // over glibc's largest mmap threshold (32 MiB)

  @Test
  void aFreedLargeBlockIsReusedWithoutPageFaults() {
    assertThat(NativeHeap.reuseFreedMemory()).isTrue(); // the test machines run glibc

    touchAndFree(); // the first use maps and faults the memory in
    long before = minorFaults();
    touchAndFree();
    long faults = minorFaults() - before;

    assertThat(faults).isLessThan(BLOCK / 4096 / 10);
  }

  private static void touchAndFree() {
    long address = Native.malloc(BLOCK);
    assertThat(address).isNotZero();
    new Pointer(address).setMemory(0, BLOCK, (byte) 1);
    Native.free(address);
  }

  private static long minorFaults() {
    return ResidentMemory.minorPageFaults().orElseThrow();
  }
}
