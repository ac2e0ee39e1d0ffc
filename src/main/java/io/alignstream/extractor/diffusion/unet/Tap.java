package io.alignstream.extractor.diffusion.unet;

/**
 * A layer to record: the name it is shown and published under, and the diffusers module path
 * whose output it is.
 *
 * @param name display name, e.g. "Down1" (or the path itself for layers without a short name)
 * @param path module path, e.g. "down_blocks.1.resnets.1"
 */
public record Tap(String name, String path) {

  public Tap {
    if (name == null || name.isBlank() || path == null || path.isBlank()) {
      throw new IllegalArgumentException("a tap needs a name and a module path, got '" + name + "' -> '" + path + "'");
    }
  }

  /** A tap shown under its own path. */
  public static Tap of(String path) {
    return new Tap(path, path);
  }
}
