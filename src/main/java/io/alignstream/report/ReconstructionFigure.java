package io.alignstream.report;

import io.alignstream.reconstruct.ReconstructionManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The paper's Figure 4 from a reconstruction folder ({@code alignstream reconstruct}, or the demo's
 * for each diffusion model): per image, a row per noise level with four columns, the image the
 * model saw, the noisy latent decoded, and the one-step reconstruction without and with text. The
 * PNG files are embedded as data URIs, so the SVG and {@code index.html} stay self-contained.
 */
final class ReconstructionFigure {

  /** Column titles, left to right. */
  static final List<String> COLUMNS = List.of("input", "noisy latent, decoded", "one step, no text",
      "one step, with text");
  private static final int LABEL_W = 112;
  private static final int GAP = 6;
  private static final int TITLE_H = 30;
  private static final int HEADER_H = 22;
  private static final int GROUP_H = 20;

  private ReconstructionFigure() {}

  /**
   * The report section: a short explanation and the figures, or nothing when there are none.
   *
   * @param folders each figure's reconstruction folder, as index.html links it (relative to the report)
   */
  static String section(List<Figures.Figure> figures, List<String> folders) {
    if (figures.isEmpty()) {
      return "";
    }
    StringBuilder h = new StringBuilder();
    h.append("<section id=\"reconstruction\">\n<h2>What each noise level means (Figure 4)</h2>\n")
        .append("<p class=\"note\">Per noise level s (timestep t; for a UNet \u1fb1, the share of signal variance ")
        .append("in x_t; for SD3 \u03c3, the share of noise in x_t = (1 \u2212 \u03c3) z0 + \u03c3 \u03b5): the ")
        .append("noisy latent x_t the denoiser sees, decoded by the VAE, and the image one forward step recovers: ")
        .append("the clean latent estimated from the denoiser's prediction at x_t (the UNet's noise or v; SD3's ")
        .append("velocity, x_t \u2212 \u03c3 v), decoded. Features of that noise level are computed from x_t; ")
        .append("docs/method.md gives the formulas.</p>\n");
    for (int i = 0; i < figures.size(); i++) {
      Figures.Figure figure = figures.get(i);
      h.append("<figure id=\"").append(figure.name()).append("\">\n").append(figure.svg())
          .append("<figcaption>").append(Svg.escape(figure.caption())).append(" \u2014 <a href=\"figures/")
          .append(figure.name()).append(".svg\">SVG</a> \u00b7 <a href=\"").append(Svg.escape(folders.get(i)))
          .append("/").append(ReconstructionManifest.FILE).append("\">files</a></figcaption>\n</figure>\n");
    }
    return h.append("</section>\n").toString();
  }

  /** The figure of one reconstruction folder. */
  static Figures.Figure of(Path dir) {
    ReconstructionManifest m = ReconstructionManifest.read(dir);
    String model = m.model().name();
    String name = Figures.fileName("reconstruction", model);
    String caption = String.format(Locale.ROOT, "What each noise level means (Figure 4), %s: the image the model "
        + "sees, the noisy latent x_t decoded, and the clean latent one forward step estimates from the model's "
        + "prediction (%s), decoded, without text and with 'a photo of a {concept}'%s; %s latent, seed %d",
        model, m.model().predictionType(), Boolean.FALSE.equals(m.model().t5())
            ? " (no T5: zeros in place of its text states)" : "", m.run().latent(), m.run().seed());
    // small images are drawn at 128 px, pixel for pixel enlarged; large ones at up to 256 px
    int cell = Math.max(128, Math.min(256, m.run().resolution()));
    int rows = m.images().stream().mapToInt(i -> i.rows().size()).sum();
    int width = LABEL_W + COLUMNS.size() * (cell + GAP) + GAP;
    int height = TITLE_H + HEADER_H + m.images().size() * GROUP_H + rows * (cell + GAP) + GAP;
    Svg svg = new Svg(width, height, caption, name);
    svg.text("text", "What each noise level means: " + model, "x", 8, "y", 20, "font-weight", "600");
    for (int c = 0; c < COLUMNS.size(); c++) {
      svg.text("text", COLUMNS.get(c), "x", (double) LABEL_W + c * (cell + GAP) + cell / 2.0, "y", TITLE_H + 14,
          "text-anchor", "middle", "class", "column");
    }
    double y = TITLE_H + HEADER_H;
    for (ReconstructionManifest.Image image : m.images()) {
      String prompt = image.rows().get(0).estimates().stream().filter(e -> e.conditioning().equals("TEXT"))
          .map(ReconstructionManifest.Estimate::prompt).findFirst().orElse("");
      svg.text("text", image.name() + " (text: \u201c" + prompt + "\u201d)", "x", 8, "y", y + 14, "font-weight", "600",
          "class", "image-name");
      y += GROUP_H;
      for (ReconstructionManifest.Row row : image.rows()) {
        svg.open("g", "class", "row", "data-image", image.name(), "data-timestep", row.timestep());
        double mid = y + cell / 2.0;
        svg.text("text", "s = " + levels(row.noiseLevels()), "x", 8, "y", mid - 8, "class", "noise-level");
        svg.text("text", "t = " + row.timestep(), "x", 8, "y", mid + 8, "fill", "#555555");
        svg.text("text", scheduleLabel(row), "x", 8, "y", mid + 24, "fill", "#555555", "font-size", 11);
        picture(svg, dir, image.input(), "input", null, 0, y, cell);
        picture(svg, dir, row.noisy(), "noisy", null, 1, y, cell);
        for (ReconstructionManifest.Estimate e : row.estimates()) {
          picture(svg, dir, e.image(), "estimate", e.conditioning(), e.conditioning().equals("TEXT") ? 3 : 2, y, cell);
        }
        svg.close("g");
        y += cell + GAP;
      }
    }
    return new Figures.Figure(name, caption, svg.finish());
  }

  /** "\u1fb1 = 0.123" for a UNet row, "\u03c3 = 0.747" for an SD3 row. */
  private static String scheduleLabel(ReconstructionManifest.Row row) {
    return row.sigma() != null ? String.format(Locale.ROOT, "\u03c3 = %.3f", row.sigma())
        : String.format(Locale.ROOT, "\u1fb1 = %.3f", row.alphaCumprod());
  }

  /** 0.5, or 0.29, 0.3 when several noise levels share the timestep. */
  private static String levels(List<Double> levels) {
    return String.join(", ", levels.stream().map(String::valueOf).toList());
  }

  private static void picture(Svg svg, Path dir, String file, String role, String conditioning, int column, double y,
      int cell) {
    byte[] png;
    try {
      png = Files.readAllBytes(dir.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir.resolve(file) + " listed in its "
          + ReconstructionManifest.FILE, e);
    }
    svg.element("image", "x", (double) LABEL_W + column * (cell + GAP), "y", y, "width", cell, "height", cell,
        "preserveAspectRatio", "none", "style", "image-rendering:pixelated", "class", "reconstruction",
        "data-role", role, "data-conditioning", conditioning, "data-file", file,
        "href", "data:image/png;base64," + Base64.getEncoder().encodeToString(png));
  }
}
