package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.CommandRun;
import io.alignstream.extractor.vision.VisionFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench extractor --model DIR} with the defaults a user starts from (no --threads, which
 * once left the engine unloaded when the bench asked it for its thread count): one line per
 * format of the fixture folder, each saying how it ran. The speeds themselves are measured, not
 * tested (docs/benchmarks.md).
 */
class VisionBenchTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void bothFormatsOfAFolderRunWithTheDefaultSettings() throws Exception {
    String model = VisionFixtures.model("vit").toString();
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    CommandRun run;
    try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      System.setOut(capture); // the bench prints its JSON lines on System.out, as scripts read them
      run = CommandRun.run("bench", "extractor", "--model", model, "--cases", "vision-vit-(onnx|torchscript)-b1$",
          "--rounds", "1", "--warmup", "1", "--warmup-seconds", "0.2", "--iterations", "2");
    } finally {
      System.setOut(stdout);
    }
    assertThat(run.code()).as(run.err()).isZero();

    List<JsonNode> lines = new ArrayList<>();
    for (String line : printed.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("{")) {
        lines.add(JSON.readTree(line));
      }
    }
    assertThat(lines).extracting(line -> line.get("case").asText())
        .containsExactlyInAnyOrder("vision-vit-onnx-b1", "vision-vit-torchscript-b1");
    assertThat(lines).allSatisfy(line -> {
      assertThat(line.get("threads").asInt()).as(line.toString()).isPositive();
      assertThat(line.get("native_memory").asText()).as(line.toString()).isEqualTo("reuse");
      // how libtorch's threads wait, as this JVM will have them: the Maven runs export PASSIVE
      assertThat(line.get("omp_wait_policy").asText()).as(line.toString()).isEqualTo("PASSIVE");
      assertThat(line.get("images_per_s").asDouble()).as(line.toString()).isPositive();
    });
  }
}
