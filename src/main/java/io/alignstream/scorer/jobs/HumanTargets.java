package io.alignstream.scorer.jobs;

import io.alignstream.common.Digests;
import io.alignstream.producer.ConceptList;
import io.alignstream.producer.FeatureFiles;
import io.alignstream.producer.FeatureMatrix;
import io.alignstream.producer.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Human concept dimensions the regression predicts (VICE 42-d, SPoSE 49-d, ...): one row per
 * item, one column per dimension, optionally labelled. Row r belongs to item r of an item
 * list (the THINGS concept list, or the synthetic set's concepts), which is how a row finds the
 * embeddings of its object on the stream.
 *
 * @param name what the targets are called in results (the file name)
 * @param rows item id -> its target vector
 * @param labels one label per dimension, or null when unknown
 * @param dimensions columns
 * @param digest identifies the values (part of a regression's inputs digest)
 */
public record HumanTargets(String name, Map<String, float[]> rows, List<String> labels, int dimensions,
    String digest) {

  /**
   * Reads {@code file} (.npy in C or Fortran order, or SPoSE-style text: one row per item,
   * whitespace separated) with row i for {@code items.id(i)}, and {@code labelFile} (one label
   * per line, blank lines ignored) when given.
   */
  public static HumanTargets read(Path file, Path labelFile, ConceptList items) {
    FeatureMatrix matrix = FeatureFiles.read(file);
    matrix.requireRowsFor(items, file);
    List<Integer> bad = matrix.rowsWithNonFiniteValues();
    if (!bad.isEmpty()) {
      throw InvalidInputException.in(file, "row " + bad.get(0) + " holds NaN or an infinite value");
    }
    List<String> labels = labelFile == null ? null : labels(labelFile, matrix.columns());
    Map<String, float[]> rows = new HashMap<>();
    for (int r = 0; r < matrix.rows(); r++) {
      rows.put(items.id(r), matrix.row(r));
    }
    MessageDigest sha = Digests.newSha256();
    for (int r = 0; r < matrix.rows(); r++) {
      sha.update(items.id(r).getBytes(StandardCharsets.UTF_8));
      for (float v : matrix.row(r)) {
        Digests.updateLong(sha, Float.floatToIntBits(v));
      }
    }
    return new HumanTargets(file.getFileName().toString(), Map.copyOf(rows), labels, matrix.columns(),
        Digests.hex(sha));
  }

  /** Targets from vectors already in memory (the synthetic set's generating attributes). */
  public static HumanTargets of(String name, Map<String, double[]> vectors, List<String> labels) {
    Map<String, float[]> rows = new HashMap<>();
    int dimensions = -1;
    MessageDigest sha = Digests.newSha256();
    for (Map.Entry<String, double[]> e : new TreeMap<>(vectors).entrySet()) {
      float[] row = new float[e.getValue().length];
      for (int d = 0; d < row.length; d++) {
        row[d] = (float) e.getValue()[d];
        Digests.updateLong(sha, Float.floatToIntBits(row[d]));
      }
      sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      dimensions = row.length;
      rows.put(e.getKey(), row);
    }
    return new HumanTargets(name, Map.copyOf(rows), labels == null ? null : List.copyOf(labels), dimensions,
        Digests.hex(sha));
  }

  /** The target vector of {@code item}, or null when the targets do not cover it. */
  public float[] row(String item) {
    return rows.get(item);
  }

  private static List<String> labels(Path file, int columns) {
    List<String> labels;
    try {
      labels = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
          .filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (labels.size() != columns) {
      throw InvalidInputException.in(file, labels.size() + " labels but the targets have " + columns + " dimensions");
    }
    return labels;
  }
}
