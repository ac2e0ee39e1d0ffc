package io.alignstream.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.Alignstream;
import io.alignstream.report.PublishedResults;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.state.Similarity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ScoreCommandTest {

  private static ScoreCommand parse(String... args) {
    CommandLine cli = Alignstream.commandLine(args);
    CommandLine.ParseResult result = cli.parseArgs(args);
    return (ScoreCommand) result.subcommand().commandSpec().userObject();
  }

  @Test
  void flagsBecomeTheScorerConfiguration() {
    ScorerConfig config = parse("score", "--application-id", "a", "--state-dir", "/tmp/s", "--http-port", "0",
        "--window", "30s", "--advance", "5s", "--emit-interval-ms", "250", "--similarity", "DOT",
        "--num-stream-threads", "2", "--vector-cache-mb", "3").config();
    assertThat(config.streams().applicationId()).isEqualTo("a");
    assertThat(config.streams().stateDir()).isEqualTo(Path.of("/tmp/s"));
    assertThat(config.http().port()).isZero();
    assertThat(config.windows().size()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.windows().advance()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.windows().emitInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.similarity()).isEqualTo(Similarity.DOT);
    assertThat(config.streams().threads()).isEqualTo(2);
    assertThat(config.limits().vectorCacheBytes()).isEqualTo(3L * 1024 * 1024);
  }

  @Test
  void analysisAndCeilingFlagsBecomeTheirConfiguration() {
    ScorerConfig config = parse("score", "--probe-lambdas", "0.1", "--probe-max-epochs", "7", "--analysis-threads", "2",
        "--analysis-coverage", "0.5", "--analysis-step", "0.2", "--analysis-quiet", "500ms", "--regression-folds", "4",
        "--noise-ceiling", "0.673", "--ceiling-min-repeated", "30").config();
    assertThat(config.analysis().probe().lambdas()).containsExactly(0.1);
    assertThat(config.analysis().probe().maxEpochs()).isEqualTo(7);
    assertThat(config.analysis().probe().batchSize()).isEqualTo(256);
    assertThat(config.analysis().threads()).isEqualTo(2);
    assertThat(config.analysis().coverageThreshold()).isEqualTo(0.5);
    assertThat(config.analysis().coverageStep()).isEqualTo(0.2);
    assertThat(config.analysis().quiet()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.analysis().regression().outerFolds()).isEqualTo(4);
    assertThat(config.analysis().targets()).isNull();
    assertThat(config.ceiling().constant()).isEqualTo(0.673);
    assertThat(config.ceiling().constantSource()).contains("Hebart et al. 2020");
    assertThat(config.ceiling().minRepeatedTriplets()).isEqualTo(30);
    assertThatThrownBy(() -> parse("score", "--targets", "t.npy").config())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--concepts");
  }

  @Test
  void publishedFiguresAreReadBeforeTheScorerStarts(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("published.csv"), "model,probed_accuracy,source\nnet,0.6,\"A, 2023\"\n");
    assertThat(parse("score", "--published", file.toString()).config().http().published())
        .containsExactly(new PublishedResults.Row("net", null, new PublishedResults.Accuracy(0.6, null, null), "A, 2023"));
    assertThat(parse("score").config().http().published()).isEmpty();
    Path bad = Files.writeString(dir.resolve("bad.csv"), "model,probed_accuracy,source\nnet,60,A\n");
    assertThatThrownBy(() -> parse("score", "--published", bad.toString()).config())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad.csv:2: probed_accuracy 60");
  }

  @Test
  void theShippedPropertiesFileGivesTheDocumentedDefaults() {
    ScorerConfig config = parse("score", "--config", "scorer/scorer.properties").config();
    assertThat(config.streams().applicationId()).isEqualTo("alignstream-scorer");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.windows().size()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.windows().advance()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.windows().emitInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.similarity()).isEqualTo(Similarity.COSINE);
    assertThat(config.streams().inMemoryStores()).isFalse();
  }

  @Test
  void durationsAcceptUnitsAndIsoAndRejectNonsense() {
    DurationConverter converter = new DurationConverter();
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(converter.convert("PT1H")).isEqualTo(Duration.ofHours(1));
    assertThat(converter.convert("250")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> converter.convert("soon")).hasMessageContaining("not a duration");
  }

  @Test
  void advanceLongerThanTheWindowIsRefused() {
    assertThatThrownBy(() -> parse("score", "--window", "10s", "--advance", "1m").config())
        .hasMessageContaining("advance");
  }

  @Test
  void benchScorerIsRegisteredUnderBench() {
    CommandLine cli = Alignstream.commandLine(new String[0]);
    assertThat(cli.getSubcommands()).containsKeys("score", "bench");
    assertThat(cli.getSubcommands().get("bench").getSubcommands()).containsKey("scorer");
  }
}
