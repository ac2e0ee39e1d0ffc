package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.Alignstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized chaos run: the cluster, two pixel-baseline extractors and a scorer as separate
 * JVMs, an extractor and the scorer SIGKILLed mid-run and restarted; every embedding must be
 * there exactly once and the final counts must equal the batch computation.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ChaosBenchIT {

  /** The pixel baseline publishes two layers (rgb16, hist) per image, whatever the noise and conditioning. */
  private static final int PIXEL_LAYERS = 2;

  @Test
  void killedExtractorAndScorerLoseAndDuplicateNothing(@TempDir Path dir) throws Exception {
    int images = 16;
    String[] args = {"bench", "chaos", "--models", "pixels", "--extractors", "2", "--scorers", "1",
        "--images", "" + images, "--extractor-kills", "1", "--scorer-kills", "1", "--broker-kills", "0",
        "--seed", "3", "--timeout-s", "240", "--work-dir", dir.toString()};
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = Alignstream.commandLine(args).execute(args);
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    String line = out.lines().filter(l -> l.startsWith("{\"bench\":\"chaos\"")).findFirst().orElseThrow(
        () -> new AssertionError("no JSON line in:\n" + out));
    JsonNode result = new ObjectMapper().readTree(line);

    assertThat(exit).as(line).isZero();
    assertThat(result.get("images").asInt()).isEqualTo(images);
    assertThat(result.get("expected").asInt()).isEqualTo(images * PIXEL_LAYERS);
    assertThat(result.get("found").asInt()).isEqualTo(images * PIXEL_LAYERS);
    assertThat(result.get("missing").asInt()).isZero();
    assertThat(result.get("duplicates").asInt()).isZero();
    assertThat(result.get("unexpected").asInt()).isZero();
    assertThat(result.get("dead_letters").asInt()).isZero();
    assertThat(result.get("metrics_equal").asBoolean()).isTrue();
    assertThat(result.get("settings").asInt()).isEqualTo(PIXEL_LAYERS);
    assertThat(result.get("kills").get("extractor").asInt()).isEqualTo(1);
    assertThat(result.get("kills").get("scorer").asInt()).isEqualTo(1);
    assertThat(result.get("recovery")).hasSize(2);
  }
}
