package io.alignstream.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The resident set size of this process (VmRSS of {@code /proc/self/status}): the memory the
 * JVM and the native engine hold together, which neither the heap figures nor DJL report; and
 * its minor page faults, memory it had to map in again.
 */
public final class ResidentMemory {

  private static final Path PROC_STATUS = Path.of("/proc/self/status");
  private static final Path PROC_STAT = Path.of("/proc/self/stat");

  private ResidentMemory() {}

  /** In bytes; empty where there is no /proc (not Linux) or it cannot be read. */
  public static OptionalLong bytes() {
    return status("VmRSS:");
  }

  /** The peak resident set size (VmHWM) since the process started or {@link #resetPeak()}, in MiB; 0 where unknown. */
  public static long peakMebibytes() {
    return status("VmHWM:").orElse(0) >> 20;
  }

  /**
   * Starts a new peak: Linux resets VmHWM to the current RSS when "5" is written to
   * /proc/self/clear_refs (since 4.0); where that fails the peak stays the process's.
   *
   * @return whether the peak was reset
   */
  public static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | UncheckedIOException | SecurityException e) {
      return false;
    }
  }

  private static OptionalLong status(String key) {
    try {
      for (String line : Files.readAllLines(PROC_STATUS)) {
        if (line.startsWith(key)) {
          return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  /** Minor page faults of this process so far (all threads); empty where there is no /proc. */
  public static OptionalLong minorPageFaults() {
    try {
      String stat = Files.readString(PROC_STAT);
      // the fields after the command's closing parenthesis: state is the 3rd field, minflt the 10th
      return OptionalLong.of(Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]));
    } catch (IOException | UncheckedIOException e) {
      return OptionalLong.empty();
    }
  }

  /** In MiB, 0 where unknown: for benchmark lines. */
  public static long mebibytes() {
    return bytes().orElse(0) >> 20;
  }
}
