package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A demo whose second model cannot be opened stops the extractor it already started, and says why. */
class DemoExtractorStartIT {

  @Test
  void extractorsStartedBeforeAModelFailsToOpenAreClosed(@TempDir Path dir) {
    String missing = dir.resolve("no-such-model").toString();
    String[] args = {"demo", "--models", "pixels," + missing, "--http-port", "0", "--data-dir", dir.toString()};
    CommandRun demo = CommandRun.run(args);

    assertThat(demo.code()).isEqualTo(2);
    assertThat(demo.err()).startsWith("error: ").contains("no-such-model");
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .noneMatch(name -> name.startsWith("extractor-pixels-demo-pixels-"));
  }
}
