package io.alignstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.bench.HostileInputs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
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
    assertThat(bench.err().strip()).isEqualTo("error: --model must be tiny, sd21, sd3m, all or a TorchScript/ONNX "
        + "vision model (a file, a folder holding one, a cached hub id), got 'nope'");
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

  @Test
  void aMistypedCommandOrOptionIsOneLineWithTheNearestNames() {
    CommandRun command = CommandRun.run("demoo");
    assertThat(command.code()).isEqualTo(2);
    assertThat(command.err()).isEqualTo("error: unknown command 'demoo'; did you mean demo?"
        + " (alignstream --help shows the usage)" + System.lineSeparator());

    CommandRun subcommand = CommandRun.run("produce", "tripletz");
    assertThat(subcommand.code()).isEqualTo(2);
    assertThat(subcommand.err().strip()).isEqualTo("error: unknown command 'tripletz'; did you mean triplets?"
        + " (alignstream produce --help shows the usage)");

    CommandRun option = CommandRun.run("demo", "--model", "tiny");
    assertThat(option.code()).isEqualTo(2);
    assertThat(option.err().strip()).isEqualTo("error: unknown option '--model'; did you mean --model-id, --models or"
        + " --models-later? (alignstream demo --help shows the usage)");
    assertThat(option.out()).isEmpty();
  }

  @Test
  void demoOptionsAreCheckedBeforeAnythingStarts(@TempDir Path dir) {
    // Each fails before the demo prints its log file, i.e. before any broker or model starts.
    CommandRun model = CommandRun.run("demo", "--models", "pixels,tny");
    assertThat(model.code()).isEqualTo(2);
    assertThat(model.out()).isEmpty();
    assertThat(model.err().strip()).startsWith("error: --models: unknown model 'tny'; expected pixels, tiny,")
        .doesNotContain("\n");

    CommandRun noise = CommandRun.run("demo", "--noise-levels", "0.5,1.5");
    assertThat(noise.code()).isEqualTo(2);
    assertThat(noise.out()).isEmpty();
    assertThat(noise.err().strip()).isEqualTo(
        "error: --noise-levels: 1.5 is outside [0, 1] (alignstream demo --help shows the usage)");

    // A file the synthetic dataset would ignore, even one that does not exist, names the options that use it.
    CommandRun triplets = CommandRun.run("demo", "--triplets", dir.resolve("missing.txt").toString());
    assertThat(triplets.code()).isEqualTo(2);
    assertThat(triplets.out()).isEmpty();
    assertThat(triplets.err().strip()).startsWith("error: --triplets, --things-dir and --concepts are not used with"
        + " the synthetic dataset").contains("--dataset things --things-dir DIR").contains("--embeddings FILE")
        .doesNotContain("\n");

    CommandRun layer = CommandRun.run("demo", "--layer", "fc7");
    assertThat(layer.code()).isEqualTo(2);
    assertThat(layer.err().strip()).startsWith("error: --dataset-path, --model-id and --layer describe --embeddings");

    CommandRun features = CommandRun.run("demo", "--embeddings", dir.resolve("x.npy").toString(), "--models", "tiny");
    assertThat(features.code()).isEqualTo(2);
    assertThat(features.err().strip()).startsWith("error: --models, --models-later, --dataset and --things-dir do not"
        + " apply to --embeddings");
  }

  @Test
  void withoutABrokerACommandSaysSoInOneLineNamingTheFix() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    CommandRun produce = CommandRun.run("produce", "triplets", "--dataset", "synthetic", "--bootstrap-servers",
        "127.0.0.1:" + closed);
    assertThat(produce.code()).isEqualTo(1);
    assertThat(produce.err()).isEqualTo("error: no Kafka broker answers at 127.0.0.1:" + closed + " within 10 s:"
        + " start one with `alignstream local` (on this machine), or name yours with --bootstrap-servers HOST:PORT"
        + " (or ALIGNSTREAM_BOOTSTRAP_SERVERS)" + System.lineSeparator());
  }
}
