package io.alignstream.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The resident set size of this process (VmRSS of {@code /proc/self/status}): the memory the
 * JVM and the native engine hold together, which neither the heap figures nor DJL report.
 */
public final class ResidentMemory {

  private static final Path PROC_STATUS = Path.of("/proc/self/status");

  private ResidentMemory() {}

  /** In bytes; empty where there is no /proc (not Linux) or it cannot be read. */
  public static OptionalLong bytes() {
    try {
      for (String line : Files.readAllLines(PROC_STATUS)) {
        if (line.startsWith("VmRSS:")) {
          return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  /** In MiB, 0 where unknown: for benchmark lines. */
  public static long mebibytes() {
    return bytes().orElse(0) >> 20;
  }
}
