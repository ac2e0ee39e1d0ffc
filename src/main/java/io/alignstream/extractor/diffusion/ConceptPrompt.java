package io.alignstream.extractor.diffusion;

/**
 * The TEXT prompt (docs/method.md) for a concept: "a photo of a {concept}", with the THINGS uniqueID made
 * readable ('_' to space, digits removed: {@code camera1} and {@code camera2} are two senses of
 * one word, {@code ice_cream} is two words), whitespace collapsed and trimmed. The NONE prompt
 * is the empty string, encoded like any other prompt (not a zero context).
 */
public final class ConceptPrompt {

  /** The prompt of conditioning NONE. */
  public static final String NONE = "";
  public static final String TEMPLATE = "a photo of a {concept}";

  private ConceptPrompt() {}

  /** "a photo of a camera" for {@code camera1}. */
  public static String of(String concept) {
    return "a photo of a " + readable(concept);
  }

  /** The concept text: '_' to space, digits removed, whitespace collapsed, trimmed. */
  public static String readable(String concept) {
    String text = concept.replace('_', ' ').replaceAll("[0-9]", "").replaceAll("\\s+", " ").trim();
    if (text.isEmpty()) {
      throw new IllegalArgumentException("concept '" + concept + "' has no text left for a prompt once '_' and digits "
          + "are removed");
    }
    return text;
  }
}
