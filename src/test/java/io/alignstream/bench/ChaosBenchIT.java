package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized chaos run: a cluster of three brokers (3 replicas, 2 in sync), two pixel-baseline
 * extractors and two scorers (standby replicas), each a JVM of its own; an extractor, a scorer
 * and a broker SIGKILLed mid-run and restarted; every embedding must be there exactly once and
 * the final counts must equal the batch computation, and the scorers must be queried for every
 * setting throughout. (How long a setting went unanswered, like how long work took to resume,
 * is measured and reported, not asserted: a wall-clock bound would fail on a loaded machine; the
 * timeout is a hang guard, not a speed requirement.)
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ChaosBenchIT {

  /** The pixel baseline publishes two layers (rgb16, hist) per image, whatever the noise and conditioning. */
  private static final int PIXEL_LAYERS = 2;

  @Test
  void killedExtractorScorerAndBrokerLoseAndDuplicateNothing(@TempDir Path dir) throws Exception {
    int images = 16;
    String[] args = {"bench", "chaos", "--models", "pixels", "--extractors", "2", "--scorers", "2", "--brokers", "3",
        "--images", "" + images, "--extractor-kills", "1", "--scorer-kills", "1", "--broker-kills", "1",
        "--seed", "3", "--timeout-s", "480", "--work-dir", dir.toString()};
    BenchRun run = BenchRun.of(args);
    int exit = run.exit();
    String out = run.stdout();
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
    assertThat(result.get("kills").get("broker").asInt()).isEqualTo(1);
    assertThat(result.get("recovery")).hasSize(3);
    // Work resumed after every kill (its time is measured, not asserted).
    assertThat(result.get("recovery")).allSatisfy(kill -> assertThat(kill.get("resumed_s").isNumber())
        .as(kill.toString()).isTrue());
    // Each group's longest commit gap after each kill, by group (a group that did not commit
    // between this kill and the next has none); a gap is a time, never negative.
    assertThat(result.get("recovery")).allSatisfy(kill -> {
      assertThat(kill.get("longest_commit_gap_s").isObject()).as(kill.toString()).isTrue();
      kill.get("longest_commit_gap_s").fields().forEachRemaining(gap -> {
        assertThat(gap.getKey()).as(kill.toString()).isIn("alignstream-extractor-pixels", "chaos-scorer");
        assertThat(gap.getValue().asDouble()).as(kill.toString()).isPositive();
      });
    });
    // The querier asked the scorers for every setting throughout (the longest gap is reported).
    assertThat(result.get("queries").get("queries").asLong()).as(line).isPositive();
    assertThat(result.get("queries").get("settings").asInt()).as(line).isEqualTo(PIXEL_LAYERS);
    // The restore measurement's changelog sizes: every scoring task keeps its own copy of every
    // triplet (written once, under exactly-once never twice), so the triplets' changelog holds
    // the triplets once per partition (6, the bench's default), and takes room on the brokers.
    JsonNode triplets = result.get("restores").get("changelogs").get("triplets-changelog");
    assertThat(triplets.get("records").asLong()).as(line).isEqualTo(6L * result.get("triplets").asLong());
    assertThat(triplets.get("stored_bytes").asLong()).as(line).isGreaterThan(triplets.get("records").asLong());
  }
}
