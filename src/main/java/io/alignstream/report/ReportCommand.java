package io.alignstream.report;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.reconstruct.ReconstructionManifest;
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
    List<Path> figure4 = reconstructions == null ? List.of() : reconstructions;
    figure4.forEach(ReconstructionManifest::read); // a folder that is not one fails before the topics are read
    ReportFolder.Written written;
    if (fromJson != null) {
      written = ReportFolder.fromJsonFile(fromJson, out, !noPng, figure4);
    } else {
      ClusterConfig config = cluster.resolve();
      written = ReportFolder.write(TopicResults.read(config, timeout), "topics at " + config.bootstrapServers(), out,
          !noPng, figure4);
    }
    System.out.println(written.summary());
    return 0;
  }
}
