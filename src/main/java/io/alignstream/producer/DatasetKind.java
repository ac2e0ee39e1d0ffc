package io.alignstream.producer;

/** The datasets {@code produce} knows by name. */
public enum DatasetKind {
  /** The generated shape x colour x texture set with simulated responses. */
  SYNTHETIC,
  /** THINGS: a concept list, an image folder named by uniqueID, triplet files. */
  THINGS;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
