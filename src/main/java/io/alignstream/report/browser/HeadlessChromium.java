package io.alignstream.report.browser;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Debian's {@code chromium} (or the one named by {@code ALIGNSTREAM_CHROMIUM}): where it is and
 * how to start it headless. The report turns its SVG files into PNG with it, all in one
 * {@link DevToolsBrowser} session (one browser start, each figure clipped to its own size).
 */
public final class HeadlessChromium {

  private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

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

  /** Renders each SVG file (key) at its own size ({@code sizes}) into its PNG file (value). */
  public void screenshots(Map<Path, Path> svgToPng, Map<Path, int[]> sizes) throws Exception {
    ObjectMapper json = new ObjectMapper();
    try (DevToolsBrowser browser = DevToolsBrowser.start(this)) {
      for (Map.Entry<Path, Path> figure : svgToPng.entrySet()) {
        int[] size = sizes.get(figure.getKey());
        String url = figure.getKey().toAbsolutePath().toUri().toString();
        browser.viewport(size[0], size[1], false);
        browser.navigate(url);
        browser.await("location.href === " + json.writeValueAsString(url) + " && document.readyState === 'complete'",
            Duration.ofSeconds(30));
        browser.screenshot(figure.getValue(), size[0], size[1]);
      }
      if (!browser.problems().isEmpty()) {
        throw new IllegalStateException("chromium reported " + browser.problems());
      }
    }
  }
}
