package io.alignstream.bench;

import io.alignstream.Alignstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** An {@code alignstream} command run in this JVM, its exit code and what it printed on standard output. */
record BenchRun(int exit, String stdout) {

  static BenchRun of(String... args) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = Alignstream.commandLine(args).execute(args);
    } finally {
      System.setOut(stdout);
    }
    return new BenchRun(exit, captured.toString(StandardCharsets.UTF_8));
  }
}
