package io.alignstream.producer;

/**
 * One concept of the synthetic set: a shape in a colour with a texture.
 *
 * @param index position in the set's concept order
 */
public record SyntheticConcept(int index, SyntheticShape shape, SyntheticColour colour, SyntheticTexture texture) {

  /** The item id, e.g. {@code red_circle_striped}. */
  public String id() {
    return colour.label() + "_" + shape.label() + "_" + texture.label();
  }

  /**
   * The concept text for TEXT conditioning, in English word order ({@code striped_red_circle}
   * becomes the prompt "a photo of a striped red circle").
   */
  public String conceptText() {
    return texture.label() + "_" + colour.label() + "_" + shape.label();
  }

  public String imageId() {
    return id() + ".png";
  }
}
