package io.alignstream.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.alignstream.producer.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Accuracies other papers published, from a CSV file the user gives ({@code report --published
 * FILE}, {@code score --published FILE}), shown beside the measured models in their own section,
 * labelled with their source, and never counted among the measured ones. The file (RFC 4180, a
 * header row naming its columns, any order; docs/dashboard-and-report.md):
 *
 * <pre>
 * model,zero_shot_accuracy,zero_shot_ci_low,zero_shot_ci_high,probed_accuracy,probed_ci_low,probed_ci_high,source
 * </pre>
 *
 * {@code model} and {@code source} are required in every row, and at least one of the two
 * accuracies; the interval columns are optional, each pair with its accuracy. Accuracies are
 * fractions in [0, 1].
 */
public final class PublishedResults {

  public static final List<String> COLUMNS = List.of("model", "zero_shot_accuracy", "zero_shot_ci_low",
      "zero_shot_ci_high", "probed_accuracy", "probed_ci_low", "probed_ci_high", "source");

  /** An accuracy with its interval where the paper gave one. */
  public record Accuracy(double value, Double low, Double high) {}

  /**
   * One published model.
   *
   * @param zeroShot its odd-one-out accuracy from the raw features, or null
   * @param probed after a linear probe, or null
   * @param source where the numbers come from (paper, table), as the user wrote it
   */
  public record Row(String model, Accuracy zeroShot, Accuracy probed, String source) {}

  private PublishedResults() {}

  /** Reads and checks the file; an error names the file, the line and what is wrong. */
  public static List<Row> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw InvalidInputException.in(file, "no such file (--published takes a CSV file, see docs/dashboard-and-report.md)");
    }
    CsvMapper mapper = new CsvMapper();
    List<Row> rows = new ArrayList<>();
    try (MappingIterator<Map<String, String>> lines = mapper.readerForMapOf(String.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
      checkHeader(file, lines.getParserSchema());
      while (lines.hasNextValue()) {
        Map<String, String> cells = lines.nextValue();
        rows.add(row(file, lines.getCurrentLocation().getLineNr() - 1, cells));
      }
    } catch (JsonProcessingException e) {
      // a row with more cells than the header, an unclosed quote
      throw InvalidInputException.at(file, e.getLocation() == null ? 1 : e.getLocation().getLineNr(),
          e.getOriginalMessage().split("\n", 2)[0]);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw InvalidInputException.in(file, "no rows below the header");
    }
    return rows;
  }

  private static void checkHeader(Path file, Object schema) {
    List<String> header = new ArrayList<>();
    ((CsvSchema) schema).forEach(column -> header.add(column.getName()));
    for (String column : header) {
      if (!COLUMNS.contains(column)) {
        throw InvalidInputException.at(file, 1, "unknown column '" + column + "'; the columns are " + COLUMNS);
      }
    }
    for (String required : List.of("model", "source")) {
      if (!header.contains(required)) {
        throw InvalidInputException.at(file, 1, "no '" + required + "' column; the columns are " + COLUMNS);
      }
    }
    if (!header.contains("zero_shot_accuracy") && !header.contains("probed_accuracy")) {
      throw InvalidInputException.at(file, 1, "neither a 'zero_shot_accuracy' nor a 'probed_accuracy' column");
    }
  }

  private static Row row(Path file, long line, Map<String, String> cells) {
    String model = text(cells, "model");
    String source = text(cells, "source");
    if (model == null || source == null) {
      throw InvalidInputException.at(file, line, "every row needs a model and a source (the paper and table the "
          + "numbers come from)");
    }
    Accuracy zeroShot = accuracy(file, line, cells, "zero_shot");
    Accuracy probed = accuracy(file, line, cells, "probed");
    if (zeroShot == null && probed == null) {
      throw InvalidInputException.at(file, line, model + " has neither a zero_shot_accuracy nor a probed_accuracy");
    }
    return new Row(model, zeroShot, probed, source);
  }

  private static Accuracy accuracy(Path file, long line, Map<String, String> cells, String prefix) {
    Double value = fraction(file, line, cells, prefix + "_accuracy");
    Double low = fraction(file, line, cells, prefix + "_ci_low");
    Double high = fraction(file, line, cells, prefix + "_ci_high");
    if (value == null) {
      if (low != null || high != null) {
        throw InvalidInputException.at(file, line, prefix + " interval without " + prefix + "_accuracy");
      }
      return null;
    }
    if ((low == null) != (high == null)) {
      throw InvalidInputException.at(file, line, prefix + "_ci_low and " + prefix + "_ci_high come together");
    }
    if (low != null && !(low <= value && value <= high)) {
      throw InvalidInputException.at(file, line, String.format("%s_accuracy %s lies outside its interval [%s, %s]",
          prefix, value, low, high));
    }
    return new Accuracy(value, low, high);
  }

  private static Double fraction(Path file, long line, Map<String, String> cells, String column) {
    String text = text(cells, column);
    if (text == null) {
      return null;
    }
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw InvalidInputException.at(file, line, column + " '" + text + "' is not a number");
    }
    if (!(value >= 0 && value <= 1)) {
      throw InvalidInputException.at(file, line, column + " " + text + " is not a fraction in [0, 1] (write 0.61, "
          + "not 61)");
    }
    return value;
  }

  private static String text(Map<String, String> cells, String column) {
    String value = cells.get(column);
    return value == null || value.isBlank() ? null : value.strip();
  }
}
