package io.alignstream;

import io.alignstream.bench.ScorerBenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code alignstream bench}: measurements that print JSON lines, one subcommand per service. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks; each prints one JSON line per case.",
    subcommands = {ScorerBenchCommand.class})
public final class BenchCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
