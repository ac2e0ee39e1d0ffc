package io.alignstream.producer;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Renders a synthetic concept to a PNG with Java2D. The output is a pure function of
 * (concept, size, seed): geometry comes from StrictMath, the small placement jitter from a
 * SplittableRandom seeded by (seed, concept index), and nothing depends on fonts, the display
 * or the time, so the same seed gives the same bytes on every run.
 */
public final class ConceptPainter {

  private static final Color BACKGROUND = new Color(246, 246, 246);

  static {
    // Rendering into a BufferedImage needs no display; say so before AWT initialises.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private final int size;
  private final long seed;

  public ConceptPainter(int size, long seed) {
    if (size < 16) {
      throw new IllegalArgumentException("image size must be at least 16 pixels, got " + size);
    }
    this.size = size;
    this.seed = seed;
  }

  /** The concept as PNG bytes. */
  public byte[] png(SyntheticConcept concept) {
    return encodePng(paint(concept));
  }

  /** The concept as an RGB image of size x size. */
  public BufferedImage paint(SyntheticConcept concept) {
    SplittableRandom jitter = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + concept.index());
    double rotation = StrictMath.toRadians((jitter.nextDouble() * 2 - 1) * 12);
    double cx = size / 2.0 + (jitter.nextDouble() * 2 - 1) * size * 0.04;
    double cy = size / 2.0 + (jitter.nextDouble() * 2 - 1) * size * 0.04;
    double radius = size * (0.34 + 0.04 * jitter.nextDouble());
    Shape outline = concept.shape().outline(cx, cy, radius, rotation);

    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, size, size);
      paintTexture(g, concept, outline);
    } finally {
      g.dispose();
    }
    return image;
  }

  private void paintTexture(Graphics2D g, SyntheticConcept concept, Shape outline) {
    SyntheticColour colour = concept.colour();
    float line = size / 32f;
    double cell = size / 8.0;
    switch (concept.texture()) {
      case SOLID -> {
        g.setColor(colour.fill());
        g.fill(outline);
      }
      case STRIPED -> {
        g.setColor(colour.tint());
        g.fill(outline);
        g.setClip(outline);
        g.setColor(colour.fill());
        g.setStroke(new BasicStroke(size / 14f));
        for (double offset = -size; offset < size; offset += cell) {
          g.draw(new Line2D.Double(offset, size, offset + size, 0));
        }
        g.setClip(null);
      }
      case DOTTED -> {
        g.setColor(colour.tint());
        g.fill(outline);
        g.setClip(outline);
        g.setColor(colour.fill());
        double r = size / 26.0;
        for (double y = cell / 2; y < size; y += cell) {
          for (double x = cell / 2; x < size; x += cell) {
            g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
          }
        }
        g.setClip(null);
      }
      case CHECKERED -> {
        g.setColor(colour.tint());
        g.fill(outline);
        g.setClip(outline);
        g.setColor(colour.fill());
        for (int row = 0; row * cell < size; row++) {
          for (int col = row % 2; col * cell < size; col += 2) {
            g.fill(new Rectangle2D.Double(col * cell, row * cell, cell, cell));
          }
        }
        g.setClip(null);
      }
      case OUTLINED -> line = size / 12f;
      default -> throw new IllegalStateException("unknown texture " + concept.texture());
    }
    g.setColor(concept.texture() == SyntheticTexture.OUTLINED ? colour.fill() : colour.outline());
    g.setStroke(new BasicStroke(line, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(outline);
  }

  /** PNG through an in-memory stream: ImageIO's default file cache is neither needed nor wanted. */
  static byte[] encodePng(BufferedImage image) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(image);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode PNG", e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
