package io.alignstream.producer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The concept order that triplet indices and feature rows refer to: row i of the concept list
 * is concept i. Read from THINGS' {@code things_concepts.tsv} (a header with a
 * {@code uniqueID} column) or from a plain list with one id per line ({@code unique_id.txt},
 * optionally headed {@code uniqueID}).
 */
public final class ConceptList {

  public static final String ID_COLUMN = "uniqueID";

  private final Path source;
  private final List<String> ids;
  private final Map<String, Integer> indexById;

  private ConceptList(Path source, List<String> ids, Map<String, Integer> indexById) {
    this.source = source;
    this.ids = ids;
    this.indexById = indexById;
  }

  /** A list from ids in order (for tests and synthetic data); ids must be distinct. */
  public static ConceptList of(List<String> ids) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      if (index.putIfAbsent(ids.get(i), i) != null) {
        throw new IllegalArgumentException("concept '" + ids.get(i) + "' appears twice");
      }
    }
    return new ConceptList(null, List.copyOf(ids), Map.copyOf(index));
  }

  public static ConceptList read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("concept list " + file + " does not exist or is not a file");
    }
    List<String> ids = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    Map<String, Long> lineOf = new HashMap<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = reader.readLine();
      if (header == null) {
        throw InvalidInputException.in(file, "empty concept list");
      }
      header = stripBom(header);
      String[] columns = header.split("\t", -1);
      int column;
      long lineNumber = 1;
      if (columns.length == 1) {
        // One id per line; the first line is a header only if it names the column.
        column = 0;
        if (!unquote(columns[0]).equalsIgnoreCase(ID_COLUMN)) {
          add(file, lineNumber, unquote(columns[0]), ids, index, lineOf);
        }
      } else {
        column = findColumn(file, columns);
      }
      String line;
      long blankLine = -1;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          blankLine = blankLine < 0 ? lineNumber : blankLine;
          continue;
        }
        if (blankLine >= 0) {
          // A blank row in the middle would silently shift every later concept index.
          throw InvalidInputException.at(file, blankLine, "blank line inside the concept list (row i must be concept i)");
        }
        String[] fields = line.split("\t", -1);
        if (fields.length <= column) {
          throw InvalidInputException.at(file, lineNumber, "expected at least " + (column + 1)
              + " tab-separated columns (the " + ID_COLUMN + " column is column " + (column + 1) + "), found "
              + fields.length);
        }
        add(file, lineNumber, unquote(fields[column]), ids, index, lineOf);
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot read concept list " + file + ": " + e.getMessage(), e);
    }
    if (ids.isEmpty()) {
      throw InvalidInputException.in(file, "no concepts listed");
    }
    return new ConceptList(file, List.copyOf(ids), Map.copyOf(index));
  }

  /** The file it was read from, or null. */
  public Path source() {
    return source;
  }

  public int size() {
    return ids.size();
  }

  /** The uniqueID of concept {@code index} (0-based). */
  public String id(int index) {
    return ids.get(index);
  }

  public List<String> ids() {
    return ids;
  }

  /** The 0-based index of {@code id}, or -1. */
  public int indexOf(String id) {
    Integer index = indexById.get(id);
    return index == null ? -1 : index;
  }

  public boolean contains(String id) {
    return indexById.containsKey(id);
  }

  private static int findColumn(Path file, String[] columns) {
    for (int i = 0; i < columns.length; i++) {
      if (unquote(columns[i]).toLowerCase(Locale.ROOT).equals(ID_COLUMN.toLowerCase(Locale.ROOT))) {
        return i;
      }
    }
    throw InvalidInputException.at(file, 1, "no '" + ID_COLUMN + "' column in the header (columns: "
        + String.join(", ", columns) + ")");
  }

  private static void add(Path file, long lineNumber, String id, List<String> ids, Map<String, Integer> index,
      Map<String, Long> lineOf) {
    if (id.isEmpty()) {
      throw InvalidInputException.at(file, lineNumber, "empty " + ID_COLUMN);
    }
    Integer previous = index.putIfAbsent(id, ids.size());
    if (previous != null) {
      throw InvalidInputException.at(file, lineNumber, "concept '" + id + "' already listed on line " + lineOf.get(id));
    }
    lineOf.put(id, lineNumber);
    ids.add(id);
  }

  private static String unquote(String field) {
    String s = field.strip();
    if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  private static String stripBom(String line) {
    return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
  }
}
