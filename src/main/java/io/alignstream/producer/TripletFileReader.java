package io.alignstream.producer;

import io.alignstream.common.InputLimits;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads human odd-one-out responses from a triplet file in either format of docs/method.md
 * ({@link TripletFormat}); columns are separated by whitespace or commas. Blank lines and lines
 * starting with '#' are skipped, and so is a first line made only of words (a header such as
 * {@code i j k choice subject}). Responses stream to a consumer, so files of millions of
 * lines need no memory. Every response is named {@code <dataset>:<file name>:<line>}.
 *
 * <p>A file larger than {@code --max-triplet-file-bytes} is refused before it is read. Errors
 * name the file and line: a wrong column count, a token that is not an integer, an
 * index outside the concept list, an item repeated within a triplet, a choice outside 1..3.
 */
public final class TripletFileReader {

  /**
   * What a read found.
   *
   * @param format the format used (never AUTO)
   * @param lines lines in the file
   * @param responses responses read
   * @param headerSkipped whether the first line was a header
   */
  public record Summary(Path file, TripletFormat format, long lines, long responses, boolean headerSkipped) {}

  private final ConceptList concepts;
  private final TripletFormat requested;
  private final String dataset;
  private final InputLimits limits;

  public TripletFileReader(ConceptList concepts, TripletFormat format, String dataset) {
    this(concepts, format, dataset, InputLimits.defaults());
  }

  /** @param limits the largest file read ({@link InputLimits#maxTripletFileBytes()}) */
  public TripletFileReader(ConceptList concepts, TripletFormat format, String dataset, InputLimits limits) {
    this.concepts = concepts;
    this.requested = format;
    this.dataset = dataset;
    this.limits = limits;
  }

  /** Reads every response into a list. */
  public List<TripletResponse> readAll(Path file) {
    List<TripletResponse> responses = new ArrayList<>();
    read(file, responses::add);
    return responses;
  }

  /** Streams every response of {@code file} to {@code sink}, in file order. */
  public Summary read(Path file, Consumer<TripletResponse> sink) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("triplet file " + file + " does not exist or is not a file");
    }
    try {
      String tooLarge = limits.tripletFileProblem(Files.size(file));
      if (tooLarge != null) {
        throw InvalidInputException.in(file, "triplet file of " + tooLarge);
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot read triplet file " + file + ": " + e.getMessage(), e);
    }
    String idPrefix = dataset + ":" + file.getFileName() + ":";
    TripletFormat format = requested == TripletFormat.AUTO ? null : requested;
    long lineNumber = 0;
    long responses = 0;
    boolean headerSkipped = false;
    boolean seenData = false;
    String[] tokens = new String[8];
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        int count = tokenize(line, tokens);
        if (count == 0 || tokens[0].startsWith("#")) {
          continue;
        }
        if (!seenData && !headerSkipped && allWords(tokens, count)) {
          headerSkipped = true;
          continue;
        }
        seenData = true;
        if (format == null) {
          format = TripletFormat.forColumns(count);
          if (format == null) {
            throw InvalidInputException.at(file, lineNumber, columnMessage(count));
          }
        } else if (count != format.columns()) {
          throw InvalidInputException.at(file, lineNumber, count + " columns where format " + format.label()
              + " has " + format.columns() + " (" + describe(format) + ")");
        }
        sink.accept(parse(file, lineNumber, idPrefix + lineNumber, format, tokens));
        responses++;
      }
    } catch (java.nio.charset.CharacterCodingException e) {
      throw InvalidInputException.at(file, lineNumber + 1, "not UTF-8 text (" + e.getMessage()
          + "); a triplet file is text, this looks like a binary file");
    } catch (IOException e) {
      throw new InvalidInputException("cannot read triplet file " + file + ": " + e.getMessage(), e);
    }
    if (responses == 0) {
      throw InvalidInputException.in(file, "no triplets in the file");
    }
    return new Summary(file, format, lineNumber, responses, headerSkipped);
  }

  private TripletResponse parse(Path file, long lineNumber, String id, TripletFormat format, String[] tokens) {
    boolean oneBased = format == TripletFormat.IJK_CHOICE_SUBJECT;
    int base = oneBased ? 1 : 0;
    String[] items = new String[3];
    int[] indices = new int[3];
    for (int i = 0; i < 3; i++) {
      long index = integer(file, lineNumber, tokens[i], "concept index in column " + (i + 1));
      if (index < base || index >= concepts.size() + base) {
        throw InvalidInputException.at(file, lineNumber, "concept index " + tokens[i] + " in column " + (i + 1)
            + " is outside " + base + ".." + (concepts.size() - 1 + base) + " for " + concepts.size()
            + " concepts (format " + format.label() + " is " + (oneBased ? "1" : "0") + "-based"
            + (oneBased ? "" : "; for 1-based files with choice and subject use --format ijk-choice-subject") + ")");
      }
      indices[i] = (int) index - base;
      for (int j = 0; j < i; j++) {
        if (indices[j] == indices[i]) {
          throw InvalidInputException.at(file, lineNumber, "concept index " + tokens[i]
              + " appears twice in one triplet");
        }
      }
      items[i] = concepts.id(indices[i]);
    }
    if (!oneBased) {
      return new TripletResponse(id, List.of(items), 2, null);
    }
    long choice = integer(file, lineNumber, tokens[3], "choice in column 4");
    if (choice < 1 || choice > 3) {
      throw InvalidInputException.at(file, lineNumber, "choice " + tokens[3]
          + " in column 4 must be 1, 2 or 3 (the position of the odd one out)");
    }
    return new TripletResponse(id, List.of(items), (int) choice - 1, tokens[4]);
  }

  /** An integer, also written as a float such as 7.32e+02 (numpy.savetxt's default). */
  private static long integer(Path file, long lineNumber, String token, String what) {
    try {
      return Long.parseLong(token);
    } catch (NumberFormatException notLong) {
      try {
        double value = Double.parseDouble(token);
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
          return (long) value;
        }
      } catch (NumberFormatException notDouble) {
        // reported below
      }
      throw InvalidInputException.at(file, lineNumber, what + " is '" + token + "', not an integer");
    }
  }

  /** Splits on whitespace and commas into {@code out}; returns the count (more than fit are counted, not kept). */
  static int tokenize(String line, String[] out) {
    int count = 0;
    int start = -1;
    for (int i = 0; i <= line.length(); i++) {
      boolean separator = i == line.length() || Character.isWhitespace(line.charAt(i)) || line.charAt(i) == ',';
      if (separator) {
        if (start >= 0) {
          if (count < out.length) {
            out[count] = line.substring(start, i);
          }
          count++;
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
    }
    return count;
  }

  private static boolean allWords(String[] tokens, int count) {
    for (int i = 0; i < Math.min(count, tokens.length); i++) {
      if (!tokens[i].isEmpty() && (Character.isDigit(tokens[i].charAt(0)) || tokens[i].charAt(0) == '-'
          || tokens[i].charAt(0) == '+' || tokens[i].charAt(0) == '.')) {
        return false;
      }
    }
    return true;
  }

  private static String columnMessage(int count) {
    return count + " columns: expected 3 (" + describe(TripletFormat.IJK) + ") or 5 ("
        + describe(TripletFormat.IJK_CHOICE_SUBJECT) + ")";
  }

  private static String describe(TripletFormat format) {
    return format == TripletFormat.IJK
        ? "i j k, 0-based, last column = odd one out"
        : "i j k choice subject, 1-based, choice = position 1..3 of the odd one out";
  }
}
