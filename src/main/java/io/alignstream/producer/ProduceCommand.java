package io.alignstream.producer;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code alignstream produce}: publishes datasets as requests, triplets, or ready-made embeddings. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Publish datasets to the pipeline: image requests, human triplets, or precomputed embeddings.",
    subcommands = {ProduceRequestsCommand.class, ProduceTripletsCommand.class, ProduceEmbeddingsCommand.class})
public final class ProduceCommand implements Runnable {

  /** Exit code for input that cannot be used (picocli uses 2 for usage errors too). */
  static final int BAD_INPUT = 2;
  /** Exit code for a failure to reach or write to the cluster. */
  static final int FAILED = 1;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs a command body, turning failures into one clear line on stderr and an exit code. */
  static int runReporting(CommandSpec spec, Callable<Integer> body) {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return body.call();
    } catch (InvalidInputException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return BAD_INPUT;
    } catch (KafkaException | IllegalStateException | UncheckedIOException e) {
      err.println("error: " + e.getMessage() + (e.getCause() != null && e.getCause() != e
          ? " (" + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage() + ")" : ""));
      return FAILED;
    } catch (Exception e) {
      err.println("error: " + e);
      return FAILED;
    } finally {
      err.flush();
    }
  }

  /** Converts command-line text for {@code --format}. */
  static final class FormatConverter implements CommandLine.ITypeConverter<TripletFormat> {
    @Override
    public TripletFormat convert(String value) {
      try {
        return TripletFormat.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
