package io.alignstream.bench;

/** How every bench prints a measured figure (seconds, MB, ratios, us): rounded to three decimals. */
final class Thousandths {

  private Thousandths() {}

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
