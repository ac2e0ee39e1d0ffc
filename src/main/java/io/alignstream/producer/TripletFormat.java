package io.alignstream.producer;

import java.util.Locale;

/** The triplet file formats of docs/method.md, and AUTO to tell them apart by the column count. */
public enum TripletFormat {
  /** Decide per file from the column count of the first data line: 3 = IJK, 5 = IJK_CHOICE_SUBJECT. */
  AUTO("auto", 0),
  /** SPoSE/VICE: {@code i j k}, 0-based concept indices, the LAST column is the odd one out. */
  IJK("ijk", 3),
  /** {@code i j k choice subject}: 1-based concept indices, choice = position 1..3 of the odd one out. */
  IJK_CHOICE_SUBJECT("ijk-choice-subject", 5);

  private final String label;
  private final int columns;

  TripletFormat(String label, int columns) {
    this.label = label;
    this.columns = columns;
  }

  /** The name used on the command line. */
  public String label() {
    return label;
  }

  /** Columns per line (0 for AUTO). */
  public int columns() {
    return columns;
  }

  /** Parses a command-line name: auto, ijk, ijk-choice-subject (case and '_' / '-' ignored). */
  public static TripletFormat parse(String text) {
    String normalized = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    for (TripletFormat format : values()) {
      if (format.label.equals(normalized)) {
        return format;
      }
    }
    throw new IllegalArgumentException("unknown triplet format '" + text + "': use auto, ijk or ijk-choice-subject");
  }

  /** The format with this many columns, or null. */
  static TripletFormat forColumns(int columns) {
    for (TripletFormat format : values()) {
      if (format != AUTO && format.columns == columns) {
        return format;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return label;
  }
}
