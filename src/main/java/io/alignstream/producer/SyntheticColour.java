package io.alignstream.producer;

import java.awt.Color;
import java.util.Locale;

/**
 * Colours of the synthetic set, in the order they are taken: the first six are evenly spaced
 * around the hue circle, so the default set's colour similarities (cosine of the hue
 * difference) take the values 1, 0.5, -0.5 and -1; orange and purple fall in between.
 */
public enum SyntheticColour {
  RED(0),
  YELLOW(60),
  GREEN(120),
  CYAN(180),
  BLUE(240),
  MAGENTA(300),
  ORANGE(30),
  PURPLE(270);

  private static final double SATURATION = 0.85;
  private static final double VALUE = 0.88;

  private final int hueDegrees;

  SyntheticColour(int hueDegrees) {
    this.hueDegrees = hueDegrees;
  }

  public int hueDegrees() {
    return hueDegrees;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The fill colour: HSV with fixed saturation and value, converted with integer-exact arithmetic. */
  public Color fill() {
    return hsv(hueDegrees, SATURATION, VALUE);
  }

  /** A darker shade for outlines. */
  public Color outline() {
    return hsv(hueDegrees, SATURATION, VALUE * 0.6);
  }

  /** A pale tint for the background of patterned textures. */
  public Color tint() {
    return hsv(hueDegrees, SATURATION * 0.15, 1.0);
  }

  private static Color hsv(double hue, double saturation, double value) {
    double c = value * saturation;
    double h = hue / 60.0;
    double x = c * (1 - Math.abs(h % 2 - 1));
    double r;
    double g;
    double b;
    if (h < 1) {
      r = c; g = x; b = 0;
    } else if (h < 2) {
      r = x; g = c; b = 0;
    } else if (h < 3) {
      r = 0; g = c; b = x;
    } else if (h < 4) {
      r = 0; g = x; b = c;
    } else if (h < 5) {
      r = x; g = 0; b = c;
    } else {
      r = c; g = 0; b = x;
    }
    double m = value - c;
    return new Color(channel(r + m), channel(g + m), channel(b + m));
  }

  private static int channel(double v) {
    return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
  }
}
