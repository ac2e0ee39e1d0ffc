package io.alignstream;

import io.alignstream.common.CommandErrors;
import io.alignstream.common.ConfigDefaults;
import io.alignstream.common.OpenMpWaitPolicy;
import io.alignstream.extractor.ExtractCommand;
import io.alignstream.extractor.FeaturesCommand;
import io.alignstream.extractor.vision.LayersCommand;
import io.alignstream.local.DemoCommand;
import io.alignstream.local.LocalCommand;
import io.alignstream.producer.ProduceCommand;
import io.alignstream.reconstruct.ReconstructCommand;
import io.alignstream.report.ReportCommand;
import io.alignstream.scorer.ScoreCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code alignstream} command line: one subcommand per service, plus the local demo. */
@Command(
    name = "alignstream",
    mixinStandardHelpOptions = true,
    version = "alignstream 0.1.0",
    description = "Human alignment of vision-model layers (THINGS odd-one-out) as a Kafka streaming pipeline.",
    subcommands = {DemoCommand.class, LocalCommand.class, ProduceCommand.class, ExtractCommand.class, ScoreCommand.class,
        FeaturesCommand.class, LayersCommand.class, ReconstructCommand.class, ReportCommand.class,
        BenchCommand.class})
public final class Alignstream implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before anything can load libtorch: libgomp reads its wait policy once, when it loads.
    OpenMpWaitPolicy.setDefaultsUnlessSet();
    System.exit(execute(args, new PrintWriter(System.err, true)));
  }

  /** Runs a command line; a failure before the command runs (a bad --config) is reported as any other. */
  static int execute(String[] args, PrintWriter err) {
    CommandLine cli;
    try {
      cli = commandLine(args);
    } catch (RuntimeException e) {
      return CommandErrors.report(e, err);
    }
    return cli.execute(args);
  }

  /** The configured command line; {@code args} are scanned for {@code --config FILE} only. */
  public static CommandLine commandLine(String[] args) {
    return commandLine(ConfigDefaults.fromArgs(args, System.getenv()));
  }

  /** The command line with option defaults from {@code defaults} (a container's environment and config file). */
  public static CommandLine commandLine(ConfigDefaults defaults) {
    // DJL must never reach for the network: natives come from the Maven artifacts.
    System.setProperty("ai.djl.offline", "true");
    CommandLine cli = new CommandLine(new Alignstream());
    cli.setDefaultValueProvider(defaults);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    CommandErrors errors = new CommandErrors();
    cli.setExecutionExceptionHandler(errors);
    cli.setParameterExceptionHandler(errors);
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
