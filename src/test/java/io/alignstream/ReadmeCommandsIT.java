package io.alignstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.OpenMpWaitPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the README's commands as a reader would paste them, so the README and the program cannot
 * drift apart: every fenced block tagged {@code sh} is a list of command lines, run in order with
 * bash from a scratch folder laid out like the repository root ({@code target/} and
 * {@code ../shared} reachable). {@code local}, {@code extract} and {@code score} run until stopped,
 * so they go to the background, and the next line runs once the service answers {@code /ready};
 * a block that started a scorer ends when it has scored every published triplet for every
 * extracted model. The environment moves the default ports to free ones and shrinks the runs,
 * as the README's "This README is tested" paragraph lists; flags on a line still win. Lines
 * starting with {@code mvn} are skipped (this runs inside the build that made the jar). An
 * untagged block fails: a new block is either run or marked {@code text}. Details:
 * docs/testing.md.
 */
class ReadmeCommandsIT {

  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path SHARED = ROOT.getParent().resolve("shared");
  private static final Path SCRATCH = ROOT.resolve("target/readme");
  private static final Path WORK = SCRATCH.resolve("work");
  private static final Pattern FENCE = Pattern.compile("(?m)^```(\\S*)\\n(.*?)^```", Pattern.DOTALL);
  private static final Pattern SERVICE = Pattern.compile("^java -jar target/alignstream\\.jar (local|extract|score)\\b");
  private static final Pattern MANAGEMENT = Pattern.compile("management: (http://[^/\\s]+)/");
  private static final Pattern PUBLISHED_TRIPLETS = Pattern.compile("published (\\d+) triplets");
  private static final Duration COMMAND_LIMIT = Duration.ofMinutes(30); // a hang guard: a loaded machine is slow
  private static final Duration SERVICE_LIMIT = Duration.ofMinutes(5);

  /** The size defaults the README states; the port defaults are chosen per block. */
  static final Map<String, String> SIZE_ENVIRONMENT = Map.of(
      "ALIGNSTREAM_NOISE_LEVELS", "0.5",
      "ALIGNSTREAM_CONDITIONINGS", "none",
      "ALIGNSTREAM_PROBE_LAMBDAS", "0.1",
      "ALIGNSTREAM_PROBE_MAX_EPOCHS", "2",
      "ALIGNSTREAM_PROBE_BURN_IN", "0");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  /** One fenced block: its language tag, the heading above it, its first line number and its command lines. */
  record Block(String tag, String heading, int line, List<String> commands) {
    boolean needsShared() {
      return commands.stream().anyMatch(c -> c.contains("../shared"));
    }
  }

  @TestFactory
  Stream<DynamicTest> everyShellBlockOfTheReadmeRunsAsWritten() throws IOException {
    List<Block> blocks = blocks(Files.readString(ROOT.resolve("README.md")));
    assertThat(blocks).filteredOn(b -> b.tag().isEmpty())
        .as("README blocks without a language tag: tag commands `sh` (they are run) and anything else `text`")
        .isEmpty();
    prepareScratch();
    return blocks.stream().filter(b -> b.tag().equals("sh"))
        .map(b -> DynamicTest.dynamicTest("README line " + b.line() + " (" + b.heading() + ")", () -> run(b)));
  }

  @org.junit.jupiter.api.Test
  void blocksAreParsedWithTheirContinuationsAndWithoutComments() {
    List<Block> blocks = blocks("""
        ## Quick start
        ```sh
        mvn -q package   # build
        java -jar target/alignstream.jar demo --a 1 \\
            --b 2   # a comment
        ```
        ```text
        not run
        ```
        """);
    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0)).isEqualTo(new Block("sh", "Quick start", 2,
        List.of("mvn -q package", "java -jar target/alignstream.jar demo --a 1 --b 2")));
    assertThat(blocks.get(1).tag()).isEqualTo("text");
  }

  /** The fenced blocks of a Markdown text, with continuation lines joined and comments dropped. */
  static List<Block> blocks(String markdown) {
    List<Block> blocks = new ArrayList<>();
    Matcher fence = FENCE.matcher(markdown);
    while (fence.find()) {
      String before = markdown.substring(0, fence.start());
      int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
      String heading = before.lines().filter(l -> l.startsWith("#")).reduce((a, b) -> b)
          .map(h -> h.replaceFirst("^#+\\s*", "")).orElse("top");
      List<String> commands = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String raw : fence.group(2).split("\n")) {
        String text = raw.replaceFirst("\\s+#\\s.*$", "").replaceFirst("^\\s*#.*$", "").strip();
        if (text.endsWith("\\")) {
          current.append(text, 0, text.length() - 1).append(' ');
          continue;
        }
        current.append(text);
        String command = current.toString().replaceAll("\\s+", " ").strip();
        if (!command.isEmpty()) {
          commands.add(command);
        }
        current.setLength(0);
      }
      blocks.add(new Block(fence.group(1), heading, line, commands));
    }
    return blocks;
  }

  private static void prepareScratch() throws IOException {
    if (Files.exists(SCRATCH)) {
      try (Stream<Path> old = Files.walk(SCRATCH)) {
        old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(WORK.resolve("logs"));
    Files.createSymbolicLink(WORK.resolve("target"), ROOT.resolve("target"));
    if (Files.isDirectory(SHARED)) {
      Files.createSymbolicLink(SCRATCH.resolve("shared"), SHARED);
    }
  }

  private void run(Block block) throws Exception {
    Assumptions.assumeTrue(!block.needsShared() || Files.isDirectory(SHARED),
        "../shared is absent: README block at line " + block.line() + " needs it");
    Map<String, String> environment = environment();
    List<Service> services = new ArrayList<>();
    Set<String> extractedModels = new HashSet<>();
    long triplets = -1;
    try {
      int index = 0;
      for (String command : block.commands()) {
        index++;
        if (command.startsWith("mvn ")) {
          continue;
        }
        Path log = WORK.resolve("logs/line" + block.line() + "-" + index + ".log");
        Matcher service = SERVICE.matcher(command);
        if (service.find()) {
          services.add(startService(command, environment, log));
          if (service.group(1).equals("extract")) {
            extractedModels.add(command.replaceFirst(".*--model (\\S+).*", "$1"));
          }
        } else {
          String output = runToEnd(command, environment, log, services);
          Matcher published = PUBLISHED_TRIPLETS.matcher(output);
          if (command.contains(" produce triplets") && published.find()) {
            triplets = Long.parseLong(published.group(1));
          }
        }
      }
      if (block.commands().stream().anyMatch(c -> c.startsWith("java -jar target/alignstream.jar score"))) {
        awaitEveryTripletScored(Integer.parseInt(environment.get("ALIGNSTREAM_HTTP_PORT")), extractedModels.size(),
            triplets, services);
      }
    } finally {
      for (int i = services.size() - 1; i >= 0; i--) {
        services.get(i).stop();
      }
    }
  }

  /** The inherited environment less the OpenMP wait settings (the program must set them), plus free ports and sizes. */
  private static Map<String, String> environment() {
    Map<String, String> environment = new LinkedHashMap<>(System.getenv());
    environment.remove(OpenMpWaitPolicy.VARIABLE);
    environment.remove(OpenMpWaitPolicy.SPIN_VARIABLE);
    environment.putAll(SIZE_ENVIRONMENT);
    int kafka = freePort();
    int registry = freePort();
    environment.put("ALIGNSTREAM_PORT", String.valueOf(kafka));
    environment.put("ALIGNSTREAM_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafka);
    environment.put("ALIGNSTREAM_REGISTRY_PORT", String.valueOf(registry));
    environment.put("ALIGNSTREAM_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + registry);
    environment.put("ALIGNSTREAM_HTTP_PORT", String.valueOf(freePort()));
    return environment;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process start(String command, Map<String, String> environment, Path log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", "exec " + command).directory(WORK.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    return builder.start();
  }

  private String runToEnd(String command, Map<String, String> environment, Path log, List<Service> services)
      throws Exception {
    Process process = start(command, environment, log);
    long deadline = System.nanoTime() + COMMAND_LIMIT.toNanos();
    while (!process.waitFor(1, TimeUnit.SECONDS)) {
      services.forEach(s -> s.requireAlive(command));
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("`" + command + "` did not end within " + COMMAND_LIMIT + "; log " + log + ":\n" + tail(log));
      }
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      fail("`" + command + "` exited with " + process.exitValue() + "; log " + log + ":\n" + tail(log));
    }
    return output;
  }

  private Service startService(String command, Map<String, String> environment, Path log) throws Exception {
    Service service = new Service(command, start(command, environment, log), log);
    long deadline = System.nanoTime() + SERVICE_LIMIT.toNanos();
    String management = null;
    while (System.nanoTime() < deadline) {
      service.requireAlive(command);
      if (management == null) {
        Matcher address = MANAGEMENT.matcher(Files.readString(log, StandardCharsets.UTF_8));
        management = address.find() ? address.group(1) : null;
      }
      if (management != null && status(URI.create(management + "/ready")) == 200) {
        return service;
      }
      Thread.sleep(500);
    }
    service.stop();
    fail("`" + command + "` was not ready within " + SERVICE_LIMIT + "; log " + log + ":\n" + tail(log));
    return service;
  }

  private int status(URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Until the scorer lists settings of every extracted model and each has scored all published triplets. */
  private void awaitEveryTripletScored(int httpPort, int models, long triplets, List<Service> services)
      throws Exception {
    assertThat(triplets).as("the block's `produce triplets` line printed how many it published").isPositive();
    long deadline = System.nanoTime() + COMMAND_LIMIT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      services.forEach(s -> s.requireAlive("waiting for the scorer"));
      try {
        last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        JsonNode metrics = json.readTree(last);
        Set<String> scoredModels = new HashSet<>();
        boolean complete = metrics.isArray() && metrics.size() > 0;
        for (JsonNode metric : metrics) {
          scoredModels.add(metric.path("model").asText());
          complete &= metric.path("total").asLong() == triplets;
        }
        if (complete && scoredModels.size() >= models) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(1000);
    }
    fail("the scorer did not score " + triplets + " triplets for " + models + " models within " + COMMAND_LIMIT
        + "; last /metrics: " + last.substring(0, Math.min(2000, last.length())));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** A background command of a block: stopped with SIGTERM (as Ctrl-C) at the block's end. */
  private record Service(String command, Process process, Path log) {
    void requireAlive(String during) {
      if (!process.isAlive()) {
        fail("`" + command + "` exited with " + process.exitValue() + " during `" + during + "`; log " + log + ":\n"
            + tail(log));
      }
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
