package io.alignstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.bench.HostileInputs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command's errors, also those before a command runs, are one line through the one handler: exit 2 for bad input. */
class CommandLineErrorsTest {

  private record Run(int exitCode, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    int code = Alignstream.execute(args, new PrintWriter(err, true));
    return new Run(code, err.toString());
  }

  @Test
  void aConfigThatIsADirectoryOrMissingIsOneErrorLine(@TempDir Path dir) {
    Run directory = run("produce", "requests", "--config", dir.toString());
    assertThat(directory.exitCode()).isEqualTo(2);
    assertThat(directory.err()).isEqualTo("error: --config " + dir + " is a directory, not a properties file"
        + System.lineSeparator());

    Run missing = run("produce", "requests", "--config=" + dir.resolve("nope.properties"));
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err().strip()).isEqualTo("error: --config " + dir.resolve("nope.properties") + ": no such file");
  }

  @Test
  void featuresAndBenchExtractorReportBadInputWithExitCodeTwo(@TempDir Path dir) throws Exception {
    Path page = Files.write(dir.resolve("page.png"), HostileInputs.htmlPage());
    CommandRun features = CommandRun.run("features", "--model", "tiny", "--model-cache", dir.toString(), "--image",
        page.toString(), "--timestep", "10", "--out", dir.resolve("out.safetensors").toString());
    assertThat(features.code()).isEqualTo(2);
    assertThat(features.err().strip()).startsWith("error: image " + page + " (54 bytes starting").contains(
        "is in no image format").doesNotContain("\n");

    Path png = Files.write(dir.resolve("image.png"), HostileInputs.solid(8, 0x102030, "png"));
    CommandRun timestep = CommandRun.run("features", "--model", "tiny", "--model-cache", dir.toString(), "--image",
        png.toString(), "--timestep", "1000", "--out", dir.resolve("out.safetensors").toString());
    assertThat(timestep.code()).isEqualTo(2);
    assertThat(timestep.err().strip()).isEqualTo("error: timestep 1000 is outside 0..999");

    CommandRun bench = CommandRun.run("bench", "extractor", "--model", "nope");
    assertThat(bench.code()).isEqualTo(2);
    assertThat(bench.err().strip()).isEqualTo("error: --model must be tiny, sd21, all or a TorchScript/ONNX vision "
        + "model (a file, a folder holding one, a cached hub id), got 'nope'");
  }

  @Test
  void limitsOutOfRangeAreBadInputBeforeAnyClusterIsContacted() {
    CommandRun extract = CommandRun.run("extract", "--model", "pixels", "--max-image-pixels", "0",
        "--bootstrap-servers", "127.0.0.1:1");
    assertThat(extract.code()).isEqualTo(2);
    assertThat(extract.err().strip()).isEqualTo("error: --max-image-pixels must be >= 1, got 0");

    CommandRun produce = CommandRun.run("produce", "requests", "--max-request-bytes", "100", "--bootstrap-servers",
        "127.0.0.1:1");
    assertThat(produce.code()).isEqualTo(2);
    assertThat(produce.err().strip()).startsWith("error: --max-request-bytes must be in 65537..16777216");
  }
}
