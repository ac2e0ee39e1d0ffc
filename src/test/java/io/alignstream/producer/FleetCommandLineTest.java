package io.alignstream.producer;

import static io.alignstream.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import org.junit.jupiter.api.Test;

/** `produce model` and `extract --fleet` on the command line, without a cluster: help and bad input. */
class FleetCommandLineTest {

  // An unreachable cluster: had a command tried to connect, it would hang or fail differently.
  private static final String[] NO_CLUSTER = {"--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url",
      "mock://none"};

  @Test
  void helpNamesTheFleetOptions() {
    CommandRun produce = run("produce", "model", "--help");
    assertThat(produce.code()).isZero();
    assertThat(produce.out()).contains("Usage: alignstream produce model").contains("--model=MODEL")
        .contains("--noise-levels").contains("--requested-by").contains("no-op");
    assertThat(run("extract", "--help").out()).contains("--fleet").contains("model-requests");
  }

  @Test
  void badInputExitsWithTwoAndOneClearLineBeforeContactingTheCluster() {
    CommandRun noise = run(concat("produce", "model", "--model", "tiny", "--noise-levels", "0.2,1.2"));
    assertThat(noise.code()).isEqualTo(2);
    assertThat(noise.err().strip()).isEqualTo("error: noise level 1.2 of the model request for tiny is outside [0, 1]");

    CommandRun id = run(concat("produce", "model", "--model", "tiny", "--model-id", "a|b"));
    assertThat(id.code()).isEqualTo(2);
    assertThat(id.err()).contains("model id 'a|b' must be non-empty and must not contain '|'");

    CommandRun neither = run(concat("extract"));
    assertThat(neither.code()).isEqualTo(2);
    assertThat(neither.err().strip()).isEqualTo("error: give either --model MODEL or --fleet");
    CommandRun both = run(concat("extract", "--model", "pixels", "--fleet"));
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err().strip()).isEqualTo("error: give either --model MODEL or --fleet");
    // The defaults file names a model; a fleet instance started with it gets past that check (and then
    // fails on the unreachable cluster with exit code 1, not on its arguments).
    CommandRun fromFile = run(concat("extract", "--fleet", "--config", "extractor/extractor.properties",
        "--partitions", "1"));
    assertThat(fromFile.err()).doesNotContain("give either").startsWith("error: no Kafka broker answers at 127.0.0.1:1");
    assertThat(fromFile.code()).isEqualTo(1);
  }

  private static String[] concat(String... args) {
    return ProduceCommandLineTest.concat(args, NO_CLUSTER);
  }
}
