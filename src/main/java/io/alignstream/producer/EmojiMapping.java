package io.alignstream.producer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The emoji stand-ins for THINGS concepts ({@code things_emoji_mapping.tsv} in shared data).
 * Only some matches are trustworthy: an emoji found by its exact name, an alias or a spelling
 * variant shows the concept; a head-noun or tag match often shows something else.
 */
public final class EmojiMapping {

  /** Match levels whose emoji shows the concept itself. */
  public static final List<String> RELIABLE_LEVELS = List.of("exact", "near_alias", "near_spelling");

  private EmojiMapping() {}

  /** uniqueIDs whose emoji match is reliable, in file order. */
  public static Set<String> reliableConcepts(Path mappingTsv) {
    Set<String> reliable = new LinkedHashSet<>();
    try (BufferedReader reader = Files.newBufferedReader(mappingTsv, StandardCharsets.UTF_8)) {
      String header = reader.readLine();
      if (header == null) {
        throw InvalidInputException.in(mappingTsv, "empty emoji mapping");
      }
      List<String> columns = List.of(header.split("\t", -1));
      int id = columns.indexOf("uniqueID");
      int level = columns.indexOf("match_level");
      if (id < 0 || level < 0) {
        throw InvalidInputException.at(mappingTsv, 1, "expected columns uniqueID and match_level, found " + columns);
      }
      String line;
      long lineNumber = 1;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        String[] fields = line.split("\t", -1);
        if (fields.length <= Math.max(id, level)) {
          throw InvalidInputException.at(mappingTsv, lineNumber, fields.length + " columns, expected " + columns.size());
        }
        if (RELIABLE_LEVELS.contains(fields[level])) {
          reliable.add(fields[id]);
        }
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot read emoji mapping " + mappingTsv + ": " + e.getMessage(), e);
    }
    return reliable;
  }
}
