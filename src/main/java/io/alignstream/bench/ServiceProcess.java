package io.alignstream.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One alignstream service ({@code local}, {@code extract}, {@code score}) as a separate JVM with
 * this JVM's java binary and class path (the test class path, or the shaded jar), its output
 * appended to a log file across restarts. {@link #kill()} is SIGKILL ({@code destroyForcibly}
 * on Linux): no shutdown hook, no flush, no transaction committed or aborted. (Public for the
 * tests that run a command as the container would, in a JVM of its own.)
 */
public final class ServiceProcess {

  private final String name;
  private final List<String> command;
  private final Path log;
  private Process process;
  private long logOffset;

  public ServiceProcess(String name, List<String> jvmOptions, List<String> arguments, Path logDir) {
    this.name = name;
    this.log = logDir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.alignstream.Alignstream");
    cmd.addAll(arguments);
    this.command = List.copyOf(cmd);
  }

  String name() {
    return name;
  }

  /** Starts (or restarts) the process; what it prints from now on is searched by {@link #await}. */
  public void start() {
    try {
      Files.createDirectories(log.getParent());
      logOffset = Files.exists(log) ? Files.size(log) : 0;
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // One PyTorch thread per process and passive OpenMP waits: several share a few cores.
      builder.environment().put("OMP_NUM_THREADS", "1");
      builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
      builder.environment().put("DJL_OFFLINE", "true");
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL, and wait until the process is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      process.onExit().get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot wait for " + name + " to die", e);
    }
  }

  /** SIGTERM (the graceful stop), waiting up to {@code grace} before SIGKILL. */
  public void stop(Duration grace) {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Waits until this run's output matches {@code pattern}; fails when the process exits first. */
  public Matcher await(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher matcher = pattern.matcher(output());
      if (matcher.find()) {
        return matcher;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited (" + process.exitValue() + ") before printing " + pattern
            + "; see " + log);
      }
      sleep(100);
    }
    throw new IllegalStateException(name + " did not print " + pattern + " within " + timeout + "; see " + log);
  }

  private String output() {
    try {
      byte[] all = Files.readAllBytes(log);
      return new String(all, (int) Math.min(logOffset, all.length), (int) Math.max(0, all.length - logOffset),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
