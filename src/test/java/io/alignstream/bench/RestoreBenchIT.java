package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small {@code bench restore}: a scorer JVM stopped, killed, wiped and failed over, and after
 * each phase one more item scored. The final counts must equal the batch computation, and what
 * each restart restored must be what its state held: nothing after a clean stop, after a wipe
 * every vector written so far and every task's copy of every triplet. (Slow: five scorer JVMs
 * one after the other; times are reported, never asserted.)
 */
@Tag("slow")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RestoreBenchIT {

  @Test
  void everyRestartRestoresWhatItsStateHeldAndTheCountsStayExact(@TempDir Path dir) throws Exception {
    int settings = 2;
    int items = 40;
    int triplets = 300;
    int partitions = 2;
    String[] args = {"bench", "restore", "--triplets", dir.resolve("none.txt").toString(), "--items", "" + items,
        "--random-triplets", "" + triplets, "--dim", "8", "--settings", "" + settings, "--partitions", "" + partitions,
        "--phases", "stop,kill,wipe,failover", "--standby-wait-s", "5", "--scorer-heap", "256m",
        "--work-dir", dir.toString()};
    BenchRun run = BenchRun.of(args);
    int exit = run.exit();
    String out = run.stdout();
    ObjectMapper json = new ObjectMapper();
    Map<String, JsonNode> phases = new HashMap<>();
    for (String line : out.lines().filter(l -> l.startsWith("{\"bench\":\"restore\"")).toList()) {
      JsonNode node = json.readTree(line);
      phases.put(node.get("phase").asText(), node);
    }

    assertThat(exit).as(out).isZero();
    assertThat(phases.get("summary").get("matches_batch").asBoolean()).isTrue();
    assertThat(phases.get("stop").get("restored_records").asLong()).isZero();
    // Four items held back, one per phase; the stop's and the kill's were scored before the wipe.
    // The wipe's own item is written to the changelogs only after the restoration.
    JsonNode wipe = phases.get("wipe");
    assertThat(restored(wipe, "vectors-changelog")).isEqualTo((long) settings * (items - 4 + 2));
    assertThat(restored(wipe, "triplets-changelog")).isEqualTo((long) triplets * partitions);
    assertThat(phases.get("failover").get("first_output_s").asDouble()).isPositive();
  }

  /** Records restored from one changelog over a phase's restorations (tasks may end theirs apart). */
  private static long restored(JsonNode phase, String changelog) {
    long records = 0;
    for (JsonNode restoration : phase.get("restorations")) {
      JsonNode one = restoration.get("changelogs").get(changelog);
      records += one == null ? 0 : one.get("records").asLong();
    }
    return records;
  }
}
