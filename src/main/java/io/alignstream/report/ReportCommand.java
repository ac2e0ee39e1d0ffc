package io.alignstream.report;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.reconstruct.ReconstructionManifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alignstream report}: figures, tables and CSV files of an evaluation, in one folder. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Writes a self-contained report folder (index.html, figures/*.svg and *.png, CSV files) from the "
        + "result topics of a running or finished evaluation, or from a demo report JSON (--from-json); with "
        + "--reconstruction, the paper's Figure 4 as well."})
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

  @Option(names = "--reconstruction", paramLabel = "DIR",
      description = "A reconstruction folder (alignstream reconstruct --out DIR) to draw as the paper's Figure 4; "
          + "repeat for more. A demo report JSON brings its own (key reconstructions).")
  List<Path> reconstructions;

  @Option(names = "--no-png", description = "Skip the PNG copies even where a headless Chromium is installed.")
  boolean noPng;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT60S",
      description = "How long reading the topics may take, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    // read before anything else, so that a bad file or folder fails before the topics are read
    List<PublishedResults.Row> others = published == null ? List.of() : PublishedResults.read(published);
    List<Path> figure4 = reconstructions == null ? List.of() : reconstructions;
    figure4.forEach(ReconstructionManifest::read);
    ReportFolder.Written written;
    if (fromJson != null) {
      ReportFolder.DemoJson report = ReportFolder.readJson(fromJson);
      List<Path> folders = new ArrayList<>(report.reconstructions());
      folders.addAll(figure4);
      written = ReportFolder.write(report.results().withPublished(others), fromJson.getFileName().toString(), out,
          !noPng, folders);
    } else {
      ClusterConfig config = cluster.resolve();
      written = ReportFolder.write(TopicResults.read(config, timeout).withPublished(others),
          "topics at " + config.bootstrapServers(), out, !noPng, figure4);
    }
    System.out.println(written.summary());
    return 0;
  }
}
