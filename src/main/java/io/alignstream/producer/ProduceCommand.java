package io.alignstream.producer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code alignstream produce}: publishes datasets as requests, triplets, or ready-made embeddings. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Publish datasets to the pipeline: image requests, human triplets, precomputed embeddings, or a model to evaluate.",
    subcommands = {ProduceRequestsCommand.class, ProduceTripletsCommand.class, ProduceEmbeddingsCommand.class,
        ProduceModelCommand.class})
public final class ProduceCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
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
