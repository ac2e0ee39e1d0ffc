package io.alignstream.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.alignstream.Alignstream;
import io.alignstream.common.TemporaryDirectory;
import io.alignstream.report.browser.HeadlessChromium;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The picture of the dashboard in docs/dashboard-and-report.md, made from a real run as a user
 * makes one: {@code demo --keep-running} on the THINGS emoji images and the held-out THINGS
 * triplets among them, with probes and the VICE dimensions as regression targets; once it has
 * scored everything, Chromium's command line captures the static snapshot ({@code /snapshot}).
 * Slow (minutes): {@code mvn -o -Pslow test-compile failsafe:integration-test
 * -Dit.test=DashboardScreenshotIT -Ddashboard.png=docs/dashboard.png} writes the docs' file;
 * without {@code -Ddashboard.png} it goes to target/browser/.
 */
@Tag("slow")
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class DashboardScreenshotIT {

  private static final Path DATA = Path.of("..", "shared", "data");

  @Test
  void theDocsPictureIsTheStaticSnapshotOfARealRun(@TempDir Path dir) throws Exception {
    assumeTrue(HeadlessChromium.find().isPresent(), "no chromium here: apt-get install -y chromium");
    assumeTrue(Files.isDirectory(DATA.resolve("emoji/google64")), "skipped: ../shared/data is absent");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    List<String> args = List.of("demo", "--dataset", "things", "--things-dir", DATA.resolve("emoji/google64").toString(),
        "--concepts", DATA.resolve("things/things_concepts.tsv").toString(),
        "--triplets", DATA.resolve("triplets/things_behavior_triplets_test10.txt").toString(),
        "--models", "pixels,tiny", "--targets", DATA.resolve("embeddings/vice_things_final_embedding_1854x42.npy")
            .toString(), "--probe-lambdas", "0.001", "--http-port", String.valueOf(port), "--data-dir", dir.resolve("data").toString(),
        "--keep-running");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream console = System.out;
    System.setOut(new PrintStream(new Tee(console, printed), true, StandardCharsets.UTF_8));
    Thread demo = new Thread(() -> Alignstream.commandLine(args.toArray(String[]::new))
        .execute(args.toArray(String[]::new)), "demo");
    try {
      demo.start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(55);
      while (!printed.toString(StandardCharsets.UTF_8).contains("keeping the cluster and dashboard up")) {
        assertThat(demo.isAlive()).as("the demo ended early:%n%s", printed).isTrue();
        assertThat(System.nanoTime()).as("the demo finished in time").isLessThan(deadline);
        Thread.sleep(1000);
      }
      Path png = dir.resolve("dashboard.png");
      String url = "http://127.0.0.1:" + port + "/snapshot";
      HeadlessChromium chromium = HeadlessChromium.find().orElseThrow();
      try (TemporaryDirectory profile = TemporaryDirectory.create("alignstream-screenshot")) {
        Process shot = new ProcessBuilder(chromium.command(profile.path(), "--window-size=1280,2400",
            "--screenshot=" + png, url)).redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile())
            .start();
        assertThat(shot.waitFor(120, TimeUnit.SECONDS)).as("chromium finished by itself").isTrue();
      }
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image.getWidth() + "x" + image.getHeight()).isEqualTo("1280x2400");
      Path target = Path.of(System.getProperty("dashboard.png", "target/browser/dashboard-real-run.png"));
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.copy(png, target, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      demo.interrupt(); // --keep-running waits on its own thread: the interrupt ends it, closing the cluster
      demo.join(TimeUnit.MINUTES.toMillis(2));
      System.setOut(console);
    }
  }

  /** Writes to the console and keeps a copy, so the test can wait for the demo's lines. */
  private static final class Tee extends OutputStream {
    private final OutputStream console;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream console, ByteArrayOutputStream copy) {
      this.console = console;
      this.copy = copy;
    }

    @Override
    public synchronized void write(int b) {
      copy.write(b);
      try {
        console.write(b);
      } catch (IOException e) {
        // the console is only a convenience
      }
    }
  }
}
