package io.alignstream.report;

import io.alignstream.common.TemporaryDirectory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Debian's {@code chromium} (or the one named by {@code ALIGNSTREAM_CHROMIUM}) in headless mode,
 * used to turn the report's static SVG files into PNG. A static file has nothing pending, so the
 * plain {@code --screenshot} switch is enough here; the live dashboard needs the DevTools protocol
 * (see the browser tests).
 */
public final class HeadlessChromium {

  private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

  private static final int MIN_HEIGHT = 300;

  private final Path executable;

  private HeadlessChromium(Path executable) {
    this.executable = executable;
  }

  /** The browser on this machine, if any. */
  public static Optional<HeadlessChromium> find() {
    String configured = System.getenv("ALIGNSTREAM_CHROMIUM");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(new HeadlessChromium(Path.of(configured)));
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String name : NAMES) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(dir).resolve(name);
        if (!dir.isEmpty() && Files.isExecutable(candidate)) {
          return Optional.of(new HeadlessChromium(candidate));
        }
      }
    }
    return Optional.empty();
  }

  public Path executable() {
    return executable;
  }

  /**
   * The switches every headless run here needs: no sandbox (CI runs as root, where Chromium
   * refuses the sandbox), no GPU, no first-run or extension noise, a throwaway profile.
   */
  public List<String> command(Path profile, String... extra) {
    List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
        "--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + profile));
    command.addAll(List.of(extra));
    return command;
  }

  /**
   * Renders {@code svg} at its own size into {@code png}. Headless Chromium paints nothing into
   * very short windows, so it renders at least {@link #MIN_HEIGHT} pixels high and the PNG is
   * cropped back to the figure.
   */
  void screenshot(Path svg, Path png, int width, int height) throws IOException, InterruptedException {
    try (TemporaryDirectory profile = TemporaryDirectory.create("alignstream-chromium")) {
      Process process = new ProcessBuilder(command(profile.path(), "--screenshot=" + png.toAbsolutePath(),
          "--window-size=" + width + "," + Math.max(height, MIN_HEIGHT), svg.toAbsolutePath().toUri().toString()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("chromium took over 60 s to render " + svg);
      }
      if (process.exitValue() != 0 || !Files.exists(png)) {
        throw new IOException("chromium exited with " + process.exitValue() + " and no " + png);
      }
      BufferedImage image = ImageIO.read(png.toFile());
      if (image.getHeight() > height) {
        ImageIO.write(image.getSubimage(0, 0, Math.min(width, image.getWidth()), height), "png", png.toFile());
      }
    }
  }
}
