package io.alignstream;

import io.alignstream.bench.ChaosBench;
import io.alignstream.bench.HostileBenchCommand;
import io.alignstream.bench.ProbeBenchCommand;
import io.alignstream.bench.RestoreBench;
import io.alignstream.bench.ScorerBenchCommand;
import io.alignstream.extractor.ExtractorBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code alignstream bench}: benchmarks that print JSON lines (speed and memory are measured here, never asserted in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks; each prints one JSON line per case.",
    subcommands = {ExtractorBench.class, ScorerBenchCommand.class, ChaosBench.class, RestoreBench.class,
        ProbeBenchCommand.class, HostileBenchCommand.class})
public final class BenchCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
