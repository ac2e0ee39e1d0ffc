package io.alignstream.producer;

import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;

/**
 * Shapes of the synthetic set, in the order they are taken (the first {@code n} for a set of n
 * shapes). Each has a position on a "shape space" circle, so that ground-truth shape similarity
 * is graded (a circle is closer to a hexagon than to a star) rather than all-or-nothing; graded
 * similarities make exact ties between pairs rare.
 */
public enum SyntheticShape {
  CIRCLE(0),
  SQUARE(90),
  TRIANGLE(180),
  STAR(210),
  CROSS(150),
  HEART(60),
  HEXAGON(30),
  DIAMOND(120);

  private final double spaceAngleDegrees;

  SyntheticShape(double spaceAngleDegrees) {
    this.spaceAngleDegrees = spaceAngleDegrees;
  }

  /** Angle of this shape on the shape-space circle (the cosine of a difference is the similarity). */
  public double spaceAngleDegrees() {
    return spaceAngleDegrees;
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The outline centred at (cx, cy), fitting a circle of the given radius, rotated by
   * {@code rotationRadians}. Only StrictMath is used so the vertices are the same on every JVM.
   */
  public Shape outline(double cx, double cy, double radius, double rotationRadians) {
    Shape unit = switch (this) {
      case CIRCLE -> new Ellipse2D.Double(-1, -1, 2, 2);
      case SQUARE -> polygon(4, new double[] {Math.sqrt(2) * 0.8}, 45);
      case TRIANGLE -> polygon(3, new double[] {1.05}, -90);
      case STAR -> polygon(5, new double[] {1.05, 0.45}, -90);
      case CROSS -> cross();
      case HEART -> heart();
      case HEXAGON -> polygon(6, new double[] {1.0}, 0);
      case DIAMOND -> diamond();
    };
    AffineTransform placement = new AffineTransform();
    placement.translate(cx, cy);
    placement.rotate(rotationRadians);
    placement.scale(radius, radius);
    return placement.createTransformedShape(unit);
  }

  /** A regular polygon (one radius) or star (alternating radii) on the unit circle. */
  private static Shape polygon(int corners, double[] radii, double startDegrees) {
    int vertices = corners * radii.length;
    Path2D.Double path = new Path2D.Double();
    for (int v = 0; v < vertices; v++) {
      double angle = StrictMath.toRadians(startDegrees + 360.0 * v / vertices);
      double r = radii[v % radii.length];
      double x = r * StrictMath.cos(angle);
      double y = r * StrictMath.sin(angle);
      if (v == 0) {
        path.moveTo(x, y);
      } else {
        path.lineTo(x, y);
      }
    }
    path.closePath();
    return path;
  }

  private static Shape cross() {
    double a = 0.95;
    double b = 0.32;
    double[][] points = {
        {-b, -a}, {b, -a}, {b, -b}, {a, -b}, {a, b}, {b, b}, {b, a}, {-b, a}, {-b, b}, {-a, b}, {-a, -b}, {-b, -b}};
    Path2D.Double path = new Path2D.Double();
    path.moveTo(points[0][0], points[0][1]);
    for (int i = 1; i < points.length; i++) {
      path.lineTo(points[i][0], points[i][1]);
    }
    path.closePath();
    return path;
  }

  private static Shape diamond() {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(0, -1.05);
    path.lineTo(0.68, 0);
    path.lineTo(0, 1.05);
    path.lineTo(-0.68, 0);
    path.closePath();
    return path;
  }

  /** The classic parametric heart, sampled at 72 points (smooth enough at 64 pixels). */
  private static Shape heart() {
    int samples = 72;
    Path2D.Double path = new Path2D.Double();
    for (int i = 0; i < samples; i++) {
      double t = 2 * Math.PI * i / samples;
      double sin = StrictMath.sin(t);
      double x = 16 * sin * sin * sin;
      double y = -(13 * StrictMath.cos(t) - 5 * StrictMath.cos(2 * t) - 2 * StrictMath.cos(3 * t)
          - StrictMath.cos(4 * t));
      // The curve spans x in [-16, 16] and y in about [-12, 17]; centre and fit the unit circle.
      x /= 17.0;
      y = (y + 2.5) / 17.0;
      if (i == 0) {
        path.moveTo(x, y);
      } else {
        path.lineTo(x, y);
      }
    }
    path.closePath();
    return path;
  }
}
