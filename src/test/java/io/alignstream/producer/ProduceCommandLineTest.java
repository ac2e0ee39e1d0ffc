package io.alignstream.producer;

import static io.alignstream.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.Alignstream;
import io.alignstream.CommandRun;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line without a cluster: help, the defaults file, and input errors caught before any connection. */
class ProduceCommandLineTest {

  @TempDir
  Path dir;

  @Test
  void everySubcommandHasHelp() {
    for (String sub : new String[] {"requests", "triplets", "embeddings"}) {
      CommandRun result = run("produce", sub, "--help");
      assertThat(result.code()).isZero();
      assertThat(result.out()).contains("Usage: alignstream produce " + sub).contains("--bootstrap-servers");
    }
    assertThat(run("produce", "triplets", "--help").out()).contains("--format").contains("--only-with-images");
    assertThat(run("produce", "embeddings", "--help").out()).contains("--model-id").contains("HDF5");
  }

  @Test
  void everyKeyOfTheDefaultsFileIsAnOptionOfAProduceCommand() throws Exception {
    Path file = Path.of("producer", "producer.properties");
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    }
    Set<String> options = new HashSet<>();
    CommandLine produce = Alignstream.commandLine(new String[0]).getSubcommands().get("produce");
    produce.getSubcommands().values().forEach(sub ->
        sub.getCommandSpec().options().forEach(o -> options.add(o.longestName())));
    assertThat(properties.stringPropertyNames()).isNotEmpty().allSatisfy(key -> {
      if (!key.startsWith("kafka.")) {
        assertThat(options).as("option for key %s", key).contains("--" + key.replace('.', '-'));
      }
    });
  }

  @Test
  void badInputExitsWithTwoAndOneClearLineBeforeContactingTheCluster() throws Exception {
    Path concepts = Files.writeString(dir.resolve("c.txt"), "a\nb\nc\nd\n");
    Path triplets = Files.writeString(dir.resolve("t.txt"), "0 1 2\n0 1 9\n");
    // An unreachable cluster: had the command tried to connect, it would hang or fail differently.
    String[] cluster = {"--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url", "mock://none"};

    CommandRun bad = run(concat(new String[] {"produce", "triplets", "--file", triplets.toString(), "--concepts",
        concepts.toString()}, cluster));
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err().strip()).startsWith("error: " + triplets + ":2: concept index 9 in column 3 is outside 0..3");

    CommandRun missing = run(concat(new String[] {"produce", "triplets", "--concepts", concepts.toString()}, cluster));
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("need --file FILE and --concepts FILE");

    CommandRun noDir = run(concat(new String[] {"produce", "requests", "--dataset", "things"}, cluster));
    assertThat(noDir.code()).isEqualTo(2);
    assertThat(noDir.err()).contains("--dataset things needs --things-dir DIR and --concepts FILE");

    CommandRun badNoise = run(concat(new String[] {"produce", "requests", "--noise-levels", "0.1,2"}, cluster));
    assertThat(badNoise.code()).isEqualTo(2);
    assertThat(badNoise.err()).contains("noise level 2.0 is outside [0, 1]");

    Path h5 = Files.write(dir.resolve("f.h5"), new byte[] {1});
    CommandRun hdf5 = run(concat(new String[] {"produce", "embeddings", "--model-id", "m", "--layer", "l", "--file",
        h5.toString(), "--concepts", concepts.toString(), "--dataset-path", "model/layer/features"}, cluster));
    assertThat(hdf5.code()).isEqualTo(2);
    assertThat(hdf5.err()).contains(h5 + ": cannot read HDF5 dataset 'model/layer/features'");

    Path rows = Files.writeString(dir.resolve("f.tsv"), "1 2\n3 4\n");
    CommandRun rowCount = run(concat(new String[] {"produce", "embeddings", "--model-id", "m", "--layer", "l", "--file",
        rows.toString(), "--concepts", concepts.toString()}, cluster));
    assertThat(rowCount.code()).isEqualTo(2);
    assertThat(rowCount.err()).contains("2 rows of features but the concept list " + concepts + " has 4 concepts");

    CommandRun format = run(concat(new String[] {"produce", "triplets", "--format", "xyz"}, cluster));
    assertThat(format.code()).isEqualTo(2);
    assertThat(format.err()).contains("use auto, ijk or ijk-choice-subject");
  }

  static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
