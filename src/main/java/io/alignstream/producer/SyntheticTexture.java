package io.alignstream.producer;

import java.util.Locale;

/** Surface textures of the synthetic set, in the order they are taken. */
public enum SyntheticTexture {
  SOLID,
  STRIPED,
  DOTTED,
  CHECKERED,
  OUTLINED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
