package io.alignstream.extractor;

/**
 * How to run a Stable Diffusion 3 checkpoint (ignored by other models).
 *
 * @param t5 whether the T5-XXL text encoder runs when the checkpoint has one; false leaves its
 *     4.7 B parameters unloaded and gives the transformer diffusers' zero stand-in instead
 *     (docs/method.md), which changes the features: the model card records it
 */
public record Sd3Options(boolean t5) {

  public static Sd3Options defaults() {
    return new Sd3Options(true);
  }
}
