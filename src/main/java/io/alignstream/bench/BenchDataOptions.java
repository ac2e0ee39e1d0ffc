package io.alignstream.bench;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the scorer benches take their items and triplets from (see {@link BenchData}): one set of options for all. */
final class BenchDataOptions {

  @Option(names = "--triplets", defaultValue = "../shared/data/triplets/things_behavior_triplets_test10.txt",
      description = "Triplet file (i j k, last = odd one); random triplets when it is missing (default: ${DEFAULT-VALUE}).")
  Path tripletFile;

  @Option(names = "--item-ids", defaultValue = "../shared/data/things/unique_id.txt",
      description = "Item ids, one per line, for the triplet file's indices (default: ${DEFAULT-VALUE}).")
  Path idFile;

  @Option(names = "--items", defaultValue = "1854", description = "Items when triplets are random (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--random-triplets", defaultValue = "146168",
      description = "Triplets when random (default: ${DEFAULT-VALUE}).")
  int randomTriplets;

  @Option(names = "--seed", defaultValue = "7",
      description = "Seed of vectors, item order and random triplets (default: ${DEFAULT-VALUE}).")
  long seed;

  BenchData load() throws IOException {
    return BenchData.load(tripletFile, idFile, items, randomTriplets, seed);
  }
}
