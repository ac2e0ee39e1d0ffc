package io.alignstream.producer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads features written as text ({@code .txt}, {@code .tsv}, {@code .csv}): one row per
 * concept, values separated by whitespace, tabs or commas (numpy.savetxt, pandas). A first line
 * of column names is skipped; blank lines are skipped; every row must have as many values as
 * the first. NaN and Infinity are read as such (the publisher warns; the scorer dead-letters).
 */
public final class DelimitedFeatureReader {

  private DelimitedFeatureReader() {}

  public static FeatureMatrix read(Path file) {
    List<float[]> rows = new ArrayList<>();
    int columns = -1;
    long lineNumber = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        String[] tokens = line.strip().split("[\\s,]+");
        if (line.isBlank() || tokens[0].startsWith("#")) {
          continue;
        }
        if (rows.isEmpty() && columns < 0 && !isNumber(tokens[0])) {
          columns = 0; // header seen: remember it, the first data row fixes the column count
          continue;
        }
        if (columns <= 0) {
          columns = tokens.length;
        } else if (tokens.length != columns) {
          throw InvalidInputException.at(file, lineNumber, tokens.length + " values where the first row has " + columns);
        }
        float[] row = new float[columns];
        for (int c = 0; c < columns; c++) {
          try {
            row[c] = Float.parseFloat(tokens[c]);
          } catch (NumberFormatException e) {
            throw InvalidInputException.at(file, lineNumber, "value " + (c + 1) + " is '" + tokens[c] + "', not a number");
          }
        }
        rows.add(row);
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw InvalidInputException.in(file, "no rows of features");
    }
    float[] values = new float[rows.size() * columns];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, values, r * columns, columns);
    }
    return new FeatureMatrix(rows.size(), columns, values, "text");
  }

  private static boolean isNumber(String token) {
    try {
      Float.parseFloat(token);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
