package io.alignstream.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small SVG builder: elements with attributes, text escaped, coordinates rounded to 0.01 px.
 * Data values go into {@code data-*} attributes at full precision ({@link #value}) so that a test
 * or a reader can take the plotted numbers back out of the file.
 */
final class Svg {

  private final StringBuilder out = new StringBuilder(8192);
  private final int width;
  private final int height;

  Svg(int width, int height, String title, String figureName) {
    this.width = width;
    this.height = height;
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
        .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" role=\"img\" font-family=\"system-ui, sans-serif\" font-size=\"12\" data-figure=\"")
        .append(escape(figureName)).append("\">\n<title>").append(escape(title)).append("</title>\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
  }

  /** Opens {@code <tag attrs...>}; attributes come as name, value pairs. */
  Svg open(String tag, Object... attributes) {
    out.append('<').append(tag);
    attributes(attributes);
    out.append(">\n");
    return this;
  }

  Svg close(String tag) {
    out.append("</").append(tag).append(">\n");
    return this;
  }

  /** An empty element. */
  Svg element(String tag, Object... attributes) {
    out.append('<').append(tag);
    attributes(attributes);
    out.append("/>\n");
    return this;
  }

  /** An element with text content (escaped). */
  Svg text(String tag, String text, Object... attributes) {
    out.append('<').append(tag);
    attributes(attributes);
    out.append('>').append(escape(text)).append("</").append(tag).append(">\n");
    return this;
  }

  /** A shape with a tooltip. */
  Svg titled(String tag, String tooltip, Object... attributes) {
    out.append('<').append(tag);
    attributes(attributes);
    out.append("><title>").append(escape(tooltip)).append("</title></").append(tag).append(">\n");
    return this;
  }

  private void attributes(Object... attributes) {
    for (int i = 0; i < attributes.length; i += 2) {
      Object v = attributes[i + 1];
      if (v == null) {
        continue;
      }
      out.append(' ').append(attributes[i]).append("=\"").append(escape(v instanceof Double d ? px(d) : v.toString()))
          .append('"');
    }
  }

  /**
   * A marker of radius {@code r} at (cx, cy): a circle, a square, a diamond or a triangle, with its
   * tooltip (or none) and attributes; the shapes without cx and cy carry their centre in
   * {@code data-cx} and {@code data-cy}.
   */
  Svg marker(String shape, double cx, double cy, double r, String tooltip, List<Object> attributes) {
    List<Object> a = new ArrayList<>(attributes);
    String tag = switch (shape) {
      case "circle" -> {
        a.addAll(List.of("cx", cx, "cy", cy, "r", r));
        yield "circle";
      }
      case "square" -> {
        a.addAll(List.of("x", cx - r, "y", cy - r, "width", 2 * r, "height", 2 * r, "data-cx", px(cx), "data-cy",
            px(cy)));
        yield "rect";
      }
      default -> {
        double s = r * 1.3;
        String points = shape.equals("diamond")
            ? px(cx) + "," + px(cy - s) + " " + px(cx + s) + "," + px(cy) + " " + px(cx) + ","
                + px(cy + s) + " " + px(cx - s) + "," + px(cy)
            : px(cx) + "," + px(cy - s) + " " + px(cx + s) + "," + px(cy + s * 0.8) + " "
                + px(cx - s) + "," + px(cy + s * 0.8);
        a.addAll(List.of("points", points, "data-cx", px(cx), "data-cy", px(cy)));
        yield "polygon";
      }
    };
    return tooltip == null ? element(tag, a.toArray()) : titled(tag, tooltip, a.toArray());
  }

  /** Another SVG document inside this one, {@code x} pixels from the left (a panel of a figure). */
  Svg nested(String svg, int x) {
    out.append("<svg x=\"").append(x).append("\" y=\"0\" ").append(svg, "<svg ".length(), svg.length());
    return this;
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  String finish() {
    return out.append("</svg>\n").toString();
  }

  /** The width and height of an SVG document this class wrote. */
  static int[] size(String svg) {
    Matcher size = SIZE.matcher(svg);
    if (!size.find()) {
      throw new IllegalStateException("an SVG without a size: " + svg.substring(0, Math.min(80, svg.length())));
    }
    return new int[] {Integer.parseInt(size.group(1)), Integer.parseInt(size.group(2))};
  }

  private static final Pattern SIZE = Pattern.compile("<svg [^>]*?width=\"(\\d+)\" height=\"(\\d+)\"");

  /** A coordinate: two decimals are finer than any screen. */
  static String px(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** A data value as Java writes it: parses back to the identical double; null (no attribute) for none. */
  static String value(Double v) {
    return v == null ? null : Double.toString(v);
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
