package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeThreadsTest {

  @Test
  void findsTheJvmsOwnThreadsAndTheirTime() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
    // the test JVM has compiled (the classes under test among them) and has GC threads
    Map<String, Long> groups = NativeThreads.cpuNanos();

    assertThat(groups).containsKeys("jit", "gc");
    assertThat(groups.get("jit")).isPositive();
    long process = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    assertThat(groups.values().stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(process + 10_000_000L);
  }

  @Test
  void givesEachNamedThreadItsOwnCpuTime() throws InterruptedException {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
    java.util.concurrent.atomic.AtomicReference<Map<String, Long>> seen = new java.util.concurrent.atomic.AtomicReference<>();
    Thread busy = new Thread(() -> {
      java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
      long spent = 0;
      while (bean.getCurrentThreadCpuTime() < 100_000_000L) { // 100 ms of CPU
        spent += Long.numberOfTrailingZeros(spent + 1);
      }
      seen.set(NativeThreads.cpuNanosByName()); // read while the thread still runs
    }, "busy-probe");
    busy.start();
    busy.join();

    // the kernel keeps the Java name (its first 15 characters) and counts in 10 ms ticks
    assertThat(seen.get()).containsKey("busy-probe");
    assertThat(seen.get().get("busy-probe")).isBetween(80_000_000L, 200_000_000L);
  }
}
