package io.alignstream.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.report.browser.HeadlessChromium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a report folder: {@code index.html} (every figure inline, plus tables; no script, no
 * external file, so it opens from disk anywhere), {@code figures/NAME.svg} (and {@code .png} when a
 * headless Chromium is at hand), and the CSV files of {@link ResultTables}. Reconstruction
 * folders ({@code alignstream reconstruct}) add the paper's Figure 4 ({@link ReconstructionFigure}).
 */
public final class ReportFolder {

  /** What was written: the files, and why PNGs are missing if they are. */
  public record Written(Path dir, List<Path> files, String pngNote) {
    public String summary() {
      return String.format(Locale.ROOT, "report: %s (%d files; %s)", dir.resolve("index.html").toAbsolutePath(),
          files.size(), pngNote);
    }
  }

  /**
   * The key of a demo report JSON that lists its reconstruction folders ({@code demo --report-dir}
   * writes them beside the JSON).
   */
  public static final String RECONSTRUCTIONS = "reconstructions";

  private ReportFolder() {}

  /** The folder of a demo report JSON ({@code demo --report FILE}). */
  public static Written fromJsonFile(Path json, Path dir, boolean png) {
    DemoJson report = readJson(json);
    return write(report.results(), json.getFileName().toString(), dir, png, report.reconstructions());
  }

  /** A demo report JSON: its results, and the reconstruction folders it lists (Figure 4). */
  record DemoJson(Results results, List<Path> reconstructions) {}

  /**
   * A demo report JSON; the folders its {@code reconstructions} key lists are relative to the
   * JSON's folder, as the demo writes them. A file that is not one is bad input.
   */
  static DemoJson readJson(Path json) {
    if (!Files.isRegularFile(json)) {
      throw new IllegalArgumentException(json + ": no such file");
    }
    try {
      JsonNode report = new ObjectMapper().readTree(json.toFile());
      Path base = json.toAbsolutePath().getParent();
      List<Path> folders = new ArrayList<>();
      report.path(RECONSTRUCTIONS).forEach(f -> folders.add(base.resolve(f.asText())));
      return new DemoJson(Results.fromJson(report), List.copyOf(folders));
    } catch (JsonProcessingException e) {
      // the parser's own message runs over several lines and repeats the location: keep its gist
      String gist = e.getOriginalMessage().split("[:\n]", 2)[0];
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s is not JSON at line %d, column %d (%s)", json,
          e.getLocation().getLineNr(), e.getLocation().getColumnNr(), gist));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + json + ": " + e.getMessage(), e);
    }
  }

  /** Writes the folder; {@code png} asks for PNG copies when a browser is available. */
  public static Written write(Results results, String source, Path dir, boolean png) {
    return write(results, source, dir, png, List.of());
  }

  /** Writes the folder with Figure 4 of each reconstruction folder. */
  public static Written write(Results results, String source, Path dir, boolean png, List<Path> reconstructions) {
    try {
      Files.createDirectories(dir.resolve("figures"));
      List<Path> files = new ArrayList<>();
      List<Figures.Figure> figures = Figures.all(results);
      List<Figures.Figure> figure4 = reconstructions.stream().map(ReconstructionFigure::of).toList();
      List<String> links = reconstructions.stream().map(r -> link(dir, r)).toList();
      for (Figures.Figure figure : concat(figures, figure4)) {
        files.add(Files.writeString(dir.resolve("figures").resolve(figure.name() + ".svg"), figure.svg(),
            StandardCharsets.UTF_8));
      }
      for (ResultTables.Table table : ResultTables.all(results)) {
        files.add(Files.writeString(dir.resolve(table.fileName()), table.csv(), StandardCharsets.UTF_8));
      }
      String pngNote = png ? pngs(concat(figures, figure4), dir, files) : "PNG not requested";
      files.add(Files.writeString(dir.resolve("index.html"), ReportPage.html(results, source, figures, pngNote,
          ReconstructionFigure.section(figure4, links)), StandardCharsets.UTF_8));
      return new Written(dir, files, pngNote);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static List<Figures.Figure> concat(List<Figures.Figure> a, List<Figures.Figure> b) {
    List<Figures.Figure> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** How index.html in {@code dir} links a reconstruction folder: relative when it can be, else absolute. */
  private static String link(Path dir, Path folder) {
    Path from = dir.toAbsolutePath().normalize();
    Path to = folder.toAbsolutePath().normalize();
    return (to.startsWith(from) ? from.relativize(to) : to).toString().replace('\\', '/');
  }

  private static String pngs(List<Figures.Figure> figures, Path dir, List<Path> files) {
    Optional<HeadlessChromium> browser = HeadlessChromium.find();
    if (browser.isEmpty()) {
      return "no PNG: no headless Chromium found (install Debian's chromium or set ALIGNSTREAM_CHROMIUM)";
    }
    Map<Path, Path> svgToPng = new LinkedHashMap<>();
    Map<Path, int[]> sizes = new LinkedHashMap<>();
    for (Figures.Figure figure : figures) {
      Path svg = dir.resolve("figures").resolve(figure.name() + ".svg");
      svgToPng.put(svg, dir.resolve("figures").resolve(figure.name() + ".png"));
      sizes.put(svg, Svg.size(figure.svg()));
    }
    try {
      browser.get().screenshots(svgToPng, sizes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "no PNG: interrupted";
    } catch (Exception e) {
      // a report without PNG is still a report: say why and keep the SVG and CSV files
      return "no PNG: " + e.getMessage();
    }
    files.addAll(svgToPng.values());
    return String.format(Locale.ROOT, "PNG rendered by %s", browser.get().executable());
  }
}
