package io.alignstream.report;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What every figure shares, wherever it is shown (the report's SVG files and {@code index.html},
 * and the live dashboard, whose figures {@link Figures} draws too): the colour of each layer, the
 * order of layers, axis labels, the geometry of a panel and how wide a text is.
 */
public final class FigureStyle {

  /**
   * Paul Tol's "muted" scheme: nine colours that stay distinct for every common colour-vision
   * deficiency, one per UNet layer (Down0 .. Up3), so no two UNet layers ever share a colour.
   */
  public static final List<String> PALETTE = List.of("#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
      "#DDCC77", "#CC6677", "#882255", "#AA4499");
  /** The UNet's layers in network order; they come first in every figure and each keeps its colour. */
  public static final List<String> UNET_LAYERS =
      List.of("Down0", "Down1", "Down2", "Down3", "Mid", "Up0", "Up1", "Up2", "Up3");
  static final String CHANCE_COLOUR = "#777777";
  static final String CEILING_COLOUR = "#000000";
  /** Published figures (a file the user gave) are grey: never in a measured model's colour. */
  static final String PUBLISHED_COLOUR = "#777777";
  static final String TEXT_GREY = "#555555";
  static final String CHANCE_DASH = "4 3";
  static final String CEILING_DASH = "8 3 2 3";

  public static final String NOISE_AXIS = "noise level s (fraction of the diffusion schedule)";
  public static final String ACCURACY_AXIS = "odd-one-out accuracy (fraction correct)";
  static final String LAYER_AXIS = "layer";
  static final String R2_AXIS = "held-out R\u00b2 (fraction of variance explained)";

  /**
   * Panels with at most this many layers draw each interval as a band; beyond, nine overlapping
   * bands become one wash of colour, so intervals are whiskers and the layers' points at one
   * noise level are set {@link #DODGE} pixels apart.
   */
  static final int MAX_BANDS = 3;
  static final double DODGE = 3;

  // One panel: the plot, its axes below and left, its legend below the axes. 400 px wide, so that
  // a phone (about 360 px for the page) shows it at 90% and its 11-12 px text stays readable.
  static final int PANEL_W = 400;
  static final int LEFT = 58;
  static final int RIGHT = 12;
  static final int TOP = 30;
  static final int PLOT_H = 210;
  static final int FONT = 12;
  static final int SMALL = 11;
  static final int LEGEND_ROW = 18;

  private static final String NARROW = " .,:;|!'il()[]-";
  private static final String SEMI_NARROW = "fjrt";
  private static final String WIDE = "mwMW";

  private FigureStyle() {}

  /**
   * An upper bound of a text's width in pixels, from the widths of DejaVu Sans (the widest of the
   * common sans-serif fonts, Debian's default): 0.32 em for narrow characters, 0.42 for f j r t,
   * 0.95 for m w, 0.72 for capitals, 0.64 for digits and 0.6 for the rest; bold adds 12%. Layouts
   * leave this much room, so no text runs past its figure with any of those fonts (the browser
   * tests measure the rendered text).
   */
  static double textWidth(String text, double fontSize, boolean bold) {
    double em = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (NARROW.indexOf(c) >= 0) {
        em += 0.32;
      } else if (SEMI_NARROW.indexOf(c) >= 0) {
        em += 0.42;
      } else if (WIDE.indexOf(c) >= 0) {
        em += 0.95;
      } else if (Character.isUpperCase(c)) {
        em += 0.72;
      } else if (Character.isDigit(c)) {
        em += 0.64;
      } else {
        em += 0.6;
      }
    }
    return em * fontSize * (bold ? 1.12 : 1);
  }

  /**
   * The text, or as much of it as fits in {@code width} with an ellipsis: its end is kept when
   * {@code keepEnd} (layer paths differ at the end: {@code …resblocks.11}), else its start.
   */
  static String fit(String text, double width, double fontSize, boolean bold, boolean keepEnd) {
    if (textWidth(text, fontSize, bold) <= width) {
      return text;
    }
    String ellipsis = "\u2026";
    for (int keep = text.length() - 1; keep > 0; keep--) {
      String candidate = keepEnd ? ellipsis + text.substring(text.length() - keep) : text.substring(0, keep) + ellipsis;
      if (textWidth(candidate, fontSize, bold) <= width) {
        return candidate;
      }
    }
    return ellipsis;
  }

  /**
   * Layers in the order figures show them: the UNet's in network order, then the others in natural
   * order (numbers compared as numbers: {@code layer2} before {@code layer10},
   * {@code blocks.2} before {@code blocks.11}), so every figure and table agree whatever order the
   * results arrived in.
   */
  public static List<String> layerOrder(Collection<String> layers) {
    List<String> ordered = new ArrayList<>(new LinkedHashSet<>(layers));
    ordered.sort(Comparator.comparingInt(FigureStyle::unetIndex).thenComparing(FigureStyle::compareNatural));
    return ordered;
  }

  /**
   * The colour of {@code layer} in a model with {@code layers}: a UNet layer's own colour (its
   * network position), another layer's by its position among the model's other layers in
   * {@link #layerOrder} (cycling after nine).
   */
  public static String colour(String layer, Collection<String> layers) {
    int unet = UNET_LAYERS.indexOf(layer);
    if (unet >= 0) {
      return PALETTE.get(unet);
    }
    List<String> others = layerOrder(layers).stream().filter(l -> !UNET_LAYERS.contains(l)).toList();
    return PALETTE.get(Math.max(0, others.indexOf(layer)) % PALETTE.size());
  }

  private static int unetIndex(String layer) {
    int i = UNET_LAYERS.indexOf(layer);
    return i < 0 ? UNET_LAYERS.size() : i;
  }

  /** Runs of digits compare by value, the rest by character; equal by that, by the plain strings. */
  static int compareNatural(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      if (Character.isDigit(a.charAt(i)) && Character.isDigit(b.charAt(j))) {
        int ei = digitsEnd(a, i);
        int ej = digitsEnd(b, j);
        int c = new BigInteger(a.substring(i, ei)).compareTo(new BigInteger(b.substring(j, ej)));
        if (c != 0) {
          return c;
        }
        i = ei;
        j = ej;
      } else {
        if (a.charAt(i) != b.charAt(j)) {
          return Character.compare(a.charAt(i), b.charAt(j));
        }
        i++;
        j++;
      }
    }
    int c = Integer.compare(a.length() - i, b.length() - j);
    return c != 0 ? c : a.compareTo(b);
  }

  private static int digitsEnd(String s, int from) {
    int end = from;
    while (end < s.length() && Character.isDigit(s.charAt(end))) {
      end++;
    }
    return end;
  }
}
