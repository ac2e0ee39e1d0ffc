package io.alignstream.scorer.ceiling;

import io.alignstream.producer.ConceptList;
import io.alignstream.producer.InvalidInputException;
import io.alignstream.producer.TripletFileReader;
import io.alignstream.producer.TripletFormat;
import io.alignstream.producer.TripletResponse;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the noise ceiling comes from and when it is good enough to normalize accuracies with.
 * In order of precedence: a documented constant ({@code --noise-ceiling}); a dedicated file of
 * repeated triplets ({@code --ceiling-triplets}); the repeats among the streamed triplets. A
 * ceiling measured from fewer than {@code minRepeatedTriplets} repeated triplets is reported as
 * unavailable (with its support, so the reader sees why), never as a number: one triplet
 * answered twice alike would otherwise read as a ceiling of 1.0.
 *
 * @param constant a ceiling taken from the literature, or null
 * @param constantSource where {@code constant} comes from (shown with it)
 * @param file sums of the repeated triplets of a dedicated file, or null
 * @param fileSource the file's name (shown as the source)
 * @param minRepeatedTriplets support a measured ceiling needs to be shown and used
 */
public record CeilingConfig(Double constant, String constantSource, CeilingSums file, String fileSource,
    int minRepeatedTriplets) {

  public static final int DEFAULT_MIN_REPEATED_TRIPLETS = 100;
  /** The THINGS ceiling of Hebart et al. 2020: agreement with the majority over its dedicated repeated set. */
  public static final double THINGS_CEILING = 0.673;
  public static final String THINGS_CEILING_SOURCE = "Hebart et al. 2020, Nature Human Behaviour 4:1173-1185 "
      + "(THINGS noise-ceiling set; documented constant)";

  public CeilingConfig {
    if (constant != null && !(constant > CeilingView.CHANCE && constant <= 1)) {
      throw new IllegalArgumentException("a noise ceiling must be above chance (1/3) and at most 1, got " + constant);
    }
    if (minRepeatedTriplets < 1) {
      throw new IllegalArgumentException("the minimum of repeated triplets must be at least 1, got "
          + minRepeatedTriplets);
    }
  }

  public static CeilingConfig defaults() {
    return new CeilingConfig(null, null, null, null, DEFAULT_MIN_REPEATED_TRIPLETS);
  }

  /** A constant ceiling; 0.673 is attributed to Hebart et al. 2020, any other value to the user. */
  public CeilingConfig withConstant(double value) {
    String source = value == THINGS_CEILING ? THINGS_CEILING_SOURCE : "constant given with --noise-ceiling";
    return new CeilingConfig(value, source, file, fileSource, minRepeatedTriplets);
  }

  public CeilingConfig withMinRepeatedTriplets(int min) {
    return new CeilingConfig(constant, constantSource, file, fileSource, min);
  }

  /**
   * Measures the ceiling from a dedicated repeated-triplet file (the THINGS noise-ceiling set:
   * the triplet file format, rows that repeat), with the same arithmetic as the streamed one.
   */
  public CeilingConfig withTripletFile(Path tripletFile, ConceptList concepts) {
    List<TripletResponse> responses = new TripletFileReader(concepts, TripletFormat.AUTO, "ceiling")
        .readAll(tripletFile);
    // The concept list numbers the items already (every item of the file is one of its concepts).
    NoiseCeiling ceiling = new NoiseCeiling();
    for (TripletResponse r : responses) {
      ceiling.add(concepts.indexOf(r.items().get(0)), concepts.indexOf(r.items().get(1)),
          concepts.indexOf(r.items().get(2)), concepts.indexOf(r.oddItem()));
    }
    CeilingSums sums = ceiling.sums();
    if (sums.repeatedTriplets() == 0) {
      throw InvalidInputException.in(tripletFile, responses.size() + " responses but no triplet repeats; "
          + "a noise-ceiling file holds the same triplets answered several times");
    }
    return new CeilingConfig(constant, constantSource, sums, "file:" + tripletFile.getFileName(), minRepeatedTriplets);
  }

  /** The ceiling in force, given the sums of the streamed triplets. */
  public CeilingView resolve(TripletSummary streamed) {
    if (constant != null) {
      return CeilingView.constant(constant, constantSource, streamed);
    }
    if (file != null) {
      return CeilingView.measured(file, fileSource, minRepeatedTriplets, streamed);
    }
    return CeilingView.measured(streamed.ceiling(), "repeated triplets among the streamed responses",
        minRepeatedTriplets, streamed);
  }
}
