package io.alignstream.producer;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The real data in ../shared/data; tests that need it are skipped where it is absent. */
final class SharedData {

  static final Path ROOT = Path.of("..", "shared", "data").toAbsolutePath().normalize();

  private SharedData() {}

  /** {@code relative} under the shared data folder, or skips the test with a clear message. */
  static Path require(String relative) {
    Path path = ROOT.resolve(relative);
    Assumptions.assumeTrue(Files.exists(path),
        "skipped: shared data " + path + " is absent (../shared beside the project root; docs/method.md says what the data are)");
    return path;
  }

  static Path concepts() {
    return require("things/things_concepts.tsv");
  }

  static Path uniqueIds() {
    return require("things/unique_id.txt");
  }

  static Path testTriplets() {
    return require("triplets/things_behavior_triplets_test10.txt");
  }

  static Path emojiImages() {
    return require("emoji/google64");
  }

  static Path viceNpy() {
    return require("embeddings/vice_things_final_embedding_1854x42.npy");
  }

  /** A file of ../shared/fixtures (e.g. the HDF5 copies of the VICE embedding), or skips the test. */
  static Path fixture(String name) {
    Path path = ROOT.resolveSibling("fixtures").resolve(name);
    Assumptions.assumeTrue(Files.exists(path), "skipped: shared fixture " + path + " is absent");
    return path;
  }

  static Path viceTsv() {
    return require("embeddings/vice_things_embedding_1854x42.tsv");
  }
}
