package io.alignstream.report;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alignstream report}: figures, tables and CSV files of an evaluation, in one folder. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Writes a self-contained report folder (index.html, figures/*.svg and *.png, CSV files) from the "
        + "result topics of a running or finished evaluation, or from a demo report JSON (--from-json)."})
public final class ReportCommand implements Callable<Integer> {

  @Mixin
  ClusterOptions cluster;

  @Option(names = "--from-json", paramLabel = "FILE",
      description = "A demo report (demo --report FILE) instead of the topics.")
  Path fromJson;

  @Option(names = {"--out", "-o"}, required = true, paramLabel = "DIR", description = "Folder to write (created).")
  Path out;

  @Option(names = "--published", paramLabel = "FILE",
      description = "Accuracies other papers published (CSV: model, zero_shot_accuracy, probed_accuracy, their "
          + "intervals, source), shown apart from the measured models and labelled as published.")
  Path published;

  @Option(names = "--no-png", description = "Skip the PNG copies even where a headless Chromium is installed.")
  boolean noPng;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT60S",
      description = "How long reading the topics may take, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    // read before anything else, so that a bad file fails before the topics are read
    List<PublishedResults.Row> others = published == null ? List.of() : PublishedResults.read(published);
    ReportFolder.Written written;
    if (fromJson != null) {
      written = ReportFolder.write(ReportFolder.readJson(fromJson).withPublished(others),
          fromJson.getFileName().toString(), out, !noPng);
    } else {
      ClusterConfig config = cluster.resolve();
      written = ReportFolder.write(TopicResults.read(config, timeout).withPublished(others),
          "topics at " + config.bootstrapServers(), out, !noPng);
    }
    System.out.println(written.summary());
    return 0;
  }
}
