package io.alignstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads by their Linux names, read from {@code
 * /proc/self/task/<tid>/stat} (name, then user and system time in clock ticks): every thread,
 * including those Java's thread bean does not list (the JVM's garbage collector and JIT
 * compilers, RocksDB's flush and compaction threads, the inference runtimes' native pools).
 * Elsewhere than on Linux nothing is returned, and the benches report that time as "other".
 */
public final class NativeThreads {

  /** Linux's USER_HZ: the unit of the times in {@code stat}, 100 on every mainstream kernel build. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private NativeThreads() {}

  /**
   * Nanoseconds of CPU so far per thread name (the kernel's, its first 15 characters), the times
   * of threads of one name added up. A thread that ended between two readings drops out of their
   * difference.
   */
  public static Map<String, Long> cpuNanosByName() {
    Map<String, Long> byName = new LinkedHashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      tasks.forEach(task -> {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          // after the name: state (field 3) ... utime (14), stime (15)
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          byName.merge(name, ticks * NANOS_PER_TICK, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      });
    } catch (IOException e) {
      return Map.of(); // not Linux
    }
    return byName;
  }

  /** Nanoseconds of CPU so far of the JVM's and RocksDB's own threads: "gc", "jit", "rocksdb", "jvm" (the VM's other threads). */
  static Map<String, Long> cpuNanos() {
    Map<String, Long> groups = new LinkedHashMap<>();
    cpuNanosByName().forEach((name, nanos) -> {
      String group = group(name);
      if (group != null) {
        groups.merge(group, nanos, Long::sum);
      }
    });
    return groups;
  }

  /** The group of a native thread by its (15-character) Linux name; null for Java threads. */
  private static String group(String name) {
    if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
      return "gc";
    }
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (name.startsWith("rocksdb:")) {
      return "rocksdb";
    }
    if (name.startsWith("VM ")) {
      return "jvm";
    }
    return null;
  }
}
