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
}
