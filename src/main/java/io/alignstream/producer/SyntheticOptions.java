package io.alignstream.producer;

import picocli.CommandLine.Option;

/**
 * The synthetic set's generation options, shared by {@code produce requests} and
 * {@code produce triplets} so that both name the same concepts when given the same values.
 */
public final class SyntheticOptions {

  @Option(names = "--synthetic-seed", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_SEED,
      description = "Seed of the synthetic set: image jitter, triplets, simulated choices (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--synthetic-shapes", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_SHAPES,
      description = "Shapes, 1..8 (default: ${DEFAULT-VALUE}).")
  int shapes;

  @Option(names = "--synthetic-colours", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_COLOURS,
      description = "Colours, 1..8 (default: ${DEFAULT-VALUE}).")
  int colours;

  @Option(names = "--synthetic-textures", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_TEXTURES,
      description = "Textures, 1..5 (default: ${DEFAULT-VALUE}).")
  int textures;

  @Option(names = "--synthetic-image-size", paramLabel = "PIXELS", defaultValue = "" + SyntheticSpec.DEFAULT_IMAGE_SIZE,
      description = "Side of each synthetic PNG (default: ${DEFAULT-VALUE}).")
  int imageSize;

  @Option(names = "--synthetic-triplets", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_SINGLE_TRIPLETS,
      description = "Triplets answered once (default: ${DEFAULT-VALUE}).")
  int singleTriplets;

  @Option(names = "--synthetic-repeated", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_REPEATED_TRIPLETS,
      description = "Triplets answered several times, for the noise ceiling (default: ${DEFAULT-VALUE}).")
  int repeatedTriplets;

  @Option(names = "--synthetic-repeats", paramLabel = "N", defaultValue = "" + SyntheticSpec.DEFAULT_REPEATS,
      description = "Responses per repeated triplet (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--synthetic-temperature", paramLabel = "T", defaultValue = "" + SyntheticSpec.DEFAULT_TEMPERATURE,
      description = "Softmax temperature of the simulated choices; higher = noisier (default: ${DEFAULT-VALUE}).")
  double temperature;

  SyntheticSpec spec() {
    return new SyntheticSpec(shapes, colours, textures, imageSize, seed, singleTriplets, repeatedTriplets, repeats,
        Math.max(SyntheticSpec.DEFAULT_SUBJECTS, repeats), temperature);
  }
}
