package io.alignstream.producer;

/**
 * How to generate the synthetic demo set. Concepts are every combination of the first
 * {@code shapes} shapes, {@code colours} colours and {@code textures} textures.
 *
 * @param shapes number of shapes, 1..8
 * @param colours number of colours, 1..8
 * @param textures number of textures, 1..5
 * @param imageSize side of each PNG in pixels
 * @param seed drives the image jitter, the triplets and the simulated choices
 * @param singleTriplets triplets answered once
 * @param repeatedTriplets triplets answered {@code repeatsPerTriplet} times by different subjects
 * @param repeatsPerTriplet responses per repeated triplet
 * @param subjects simulated subjects (at least {@code repeatsPerTriplet})
 * @param temperature softmax temperature of the simulated choice; the default gives a majority
 *     agreement on repeated triplets of about 0.7, like THINGS' noise ceiling of 0.67
 */
public record SyntheticSpec(
    int shapes, int colours, int textures, int imageSize, long seed,
    int singleTriplets, int repeatedTriplets, int repeatsPerTriplet, int subjects, double temperature) {

  public static final int DEFAULT_SHAPES = 6;
  public static final int DEFAULT_COLOURS = 6;
  public static final int DEFAULT_TEXTURES = 3;
  public static final int DEFAULT_IMAGE_SIZE = 64;
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_SINGLE_TRIPLETS = 2200;
  public static final int DEFAULT_REPEATED_TRIPLETS = 40;
  public static final int DEFAULT_REPEATS = 8;
  public static final int DEFAULT_SUBJECTS = 50;
  public static final double DEFAULT_TEMPERATURE = 0.6;

  public SyntheticSpec {
    requireRange("shapes", shapes, 1, SyntheticShape.values().length);
    requireRange("colours", colours, 1, SyntheticColour.values().length);
    requireRange("textures", textures, 1, SyntheticTexture.values().length);
    if (shapes * colours * textures < 3) {
      throw new IllegalArgumentException("a triplet needs at least 3 concepts, got " + shapes * colours * textures);
    }
    requireRange("image size", imageSize, 16, 1024);
    requireRange("single triplets", singleTriplets, 0, Integer.MAX_VALUE);
    requireRange("repeated triplets", repeatedTriplets, 0, Integer.MAX_VALUE);
    requireRange("repeats per triplet", repeatsPerTriplet, 2, 1000);
    if (subjects < repeatsPerTriplet) {
      throw new IllegalArgumentException("need at least " + repeatsPerTriplet
          + " simulated subjects so that each repeat comes from a different one, got " + subjects);
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
    }
    long concepts = (long) shapes * colours * textures;
    long distinctTriplets = concepts * (concepts - 1) * (concepts - 2) / 6;
    // Triplets are drawn without replacement; ask for at most half the possible ones so drawing stays quick.
    if ((long) singleTriplets + repeatedTriplets > distinctTriplets / 2) {
      throw new IllegalArgumentException((singleTriplets + repeatedTriplets) + " distinct triplets requested but "
          + concepts + " concepts only allow " + distinctTriplets + " (at most half of them can be drawn)");
    }
  }

  /** About 2,500 responses (2,200 single, 320 from 40 triplets answered 8 times) over 108 concepts. */
  public static SyntheticSpec defaults() {
    return new SyntheticSpec(DEFAULT_SHAPES, DEFAULT_COLOURS, DEFAULT_TEXTURES, DEFAULT_IMAGE_SIZE, DEFAULT_SEED,
        DEFAULT_SINGLE_TRIPLETS, DEFAULT_REPEATED_TRIPLETS, DEFAULT_REPEATS, DEFAULT_SUBJECTS, DEFAULT_TEMPERATURE);
  }

  public int conceptCount() {
    return shapes * colours * textures;
  }

  public int responseCount() {
    return singleTriplets + repeatedTriplets * repeatsPerTriplet;
  }

  public SyntheticSpec withSeed(long newSeed) {
    return new SyntheticSpec(shapes, colours, textures, imageSize, newSeed, singleTriplets, repeatedTriplets,
        repeatsPerTriplet, subjects, temperature);
  }

  public SyntheticSpec withImageSize(int newSize) {
    return new SyntheticSpec(shapes, colours, textures, newSize, seed, singleTriplets, repeatedTriplets,
        repeatsPerTriplet, subjects, temperature);
  }

  public SyntheticSpec withTriplets(int single, int repeated, int repeats) {
    return new SyntheticSpec(shapes, colours, textures, imageSize, seed, single, repeated, repeats,
        Math.max(subjects, repeats), temperature);
  }

  public SyntheticSpec withTemperature(double newTemperature) {
    return new SyntheticSpec(shapes, colours, textures, imageSize, seed, singleTriplets, repeatedTriplets,
        repeatsPerTriplet, subjects, newTemperature);
  }

  private static void requireRange(String what, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(what + " must be in " + min + ".." + max + ", got " + value);
    }
  }
}
