package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small {@code bench scorer} through the broker, with the measured embeddings produced live
 * and as a backlog behind a paused scorer: each case's counts must equal the bench's batch
 * computation (an independent one over the same vectors), and the scorer must have scored every
 * embedding but the last item's before the partial totals. (Rates are reported, never
 * asserted. Not tagged slow: two small cases, the only run of the bench's broker path and of
 * {@code ScorerService.pause/resume}.)
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ScorerBenchIT {

  @Test
  void liveAndBacklogCasesMatchTheBatchComputation(@TempDir Path dir) throws Exception {
    int items = 40;
    int settings = 3;
    BenchRun run = BenchRun.of("bench", "scorer", "--triplets", dir.resolve("none.txt").toString(),
        "--items", "" + items, "--random-triplets", "400", "--cases", "8x" + settings, "--modes", "broker",
        "--producer", "live,backlog", "--partitions", "2", "--warm-up-embeddings", "30");
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> cases = new ArrayList<>();
    for (String line : run.stdout().lines().filter(l -> l.startsWith("{")).toList()) {
      cases.add(json.readTree(line));
    }

    assertThat(run.exit()).as(run.stdout()).isZero();
    assertThat(cases).extracting(c -> c.get("producer").asText()).containsExactly("live", "backlog");
    assertThat(cases).extracting(c -> c.get("case").asText())
        .containsExactly("broker d=8 settings=3", "broker backlog d=8 settings=3");
    for (JsonNode c : cases) {
      assertThat(c.get("matches_batch").asBoolean()).as(c.toString()).isTrue();
      assertThat(c.get("embeddings").asLong()).isEqualTo((long) settings * (items - 1));
      assertThat(c.get("warm_up_embeddings").asLong()).isEqualTo(30);
    }
    assertThat(cases.get(1).has("backlog_produce_s")).isTrue();
  }

  @Test
  void anUnknownProducerIsRejected() {
    BenchRun run = BenchRun.of("bench", "scorer", "--modes", "broker", "--producer", "later");
    assertThat(run.exit()).isEqualTo(2);
  }
}
