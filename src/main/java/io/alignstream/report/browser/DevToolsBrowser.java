package io.alignstream.report.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.TemporaryDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the DevTools protocol from Java: the JDK's WebSocket client, one
 * page, JSON commands. The report renders its PNGs with it, and the browser tests drive the
 * dashboard with it. It records what a person at the console would see as a failure: console
 * errors, uncaught exceptions, failed requests and HTTP error responses. Pages fed by
 * Server-Sent Events never finish loading, so callers wait for a DOM condition ({@link #await}).
 */
public final class DevToolsBrowser implements AutoCloseable {

  private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final TemporaryDirectory profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private DevToolsBrowser(Process process, TemporaryDirectory profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Starts the Chromium found by {@link HeadlessChromium#find} with a throwaway profile, attached to its first page. */
  public static DevToolsBrowser start() throws Exception {
    return start(HeadlessChromium.find().orElseThrow(() -> new IllegalStateException(
        "no chromium on PATH: apt-get install -y chromium (or set ALIGNSTREAM_CHROMIUM)")));
  }

  static DevToolsBrowser start(HeadlessChromium chromium) throws Exception {
    TemporaryDirectory profile = TemporaryDirectory.create("alignstream-cdp");
    Process process = new ProcessBuilder(chromium.command(profile.path(), "--remote-debugging-port=0",
        "--remote-allow-origins=*", "--window-size=1280,900", "about:blank")).redirectErrorStream(true).start();
    String browserUrl = devtoolsUrl(process);
    URI base = URI.create(browserUrl.replaceFirst("^ws://([^/]+)/.*$", "http://$1/"));
    HttpClient http = HttpClient.newHttpClient();
    String pageUrl = null;
    for (int i = 0; i < 50 && pageUrl == null; i++) {
      JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("json/list")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      for (JsonNode target : targets) {
        if (target.path("type").asText().equals("page")) {
          pageUrl = target.get("webSocketDebuggerUrl").asText();
        }
      }
      if (pageUrl == null) {
        Thread.sleep(100);
      }
    }
    if (pageUrl == null) {
      throw new IllegalStateException("chromium opened no page");
    }
    DevToolsBrowser[] self = new DevToolsBrowser[1];
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          String message = partial.toString();
          partial.setLength(0);
          self[0].receive(message);
        }
        webSocket.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    DevToolsBrowser browser = new DevToolsBrowser(process, profile, socket);
    self[0] = browser;
    for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
      browser.call(domain + ".enable", null);
    }
    return browser;
  }

  private static String devtoolsUrl(Process process) throws IOException {
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = output.readLine()) != null) {
      Matcher m = DEVTOOLS.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> output.lines().forEach(l -> { }), "chromium-output");
        drain.setDaemon(true);
        drain.start();
        return m.group(1);
      }
    }
    throw new IllegalStateException("chromium exited before listening for DevTools (exit " + process.exitValue() + ")");
  }

  private void receive(String message) {
    try {
      JsonNode node = JSON.readTree(message);
      if (node.has("id")) {
        CompletableFuture<JsonNode> reply = replies.remove(node.get("id").asInt());
        if (reply != null) {
          reply.complete(node);
        }
        return;
      }
      JsonNode params = node.path("params");
      switch (node.path("method").asText()) {
        case "Runtime.consoleAPICalled" -> {
          if (params.path("type").asText().matches("error|assert")) {
            problems.add("console." + params.path("type").asText() + ": " + params.path("args"));
          }
        }
        case "Runtime.exceptionThrown" -> problems.add("uncaught: " + params.path("exceptionDetails"));
        case "Log.entryAdded" -> {
          if (params.path("entry").path("level").asText().equals("error")) {
            problems.add("log: " + params.path("entry").path("text").asText() + " "
                + params.path("entry").path("url").asText());
          }
        }
        case "Network.loadingFailed" -> {
          if (!params.path("canceled").asBoolean()) {
            problems.add("request failed: " + params.path("errorText").asText() + " (" + params.path("type").asText()
                + ")");
          }
        }
        case "Network.responseReceived" -> {
          int status = params.path("response").path("status").asInt();
          if (status >= 400) {
            problems.add("HTTP " + status + ": " + params.path("response").path("url").asText());
          }
        }
        default -> { }
      }
    } catch (IOException e) {
      problems.add("unreadable DevTools message: " + e.getMessage());
    }
  }

  /** Sends one DevTools command and returns its result; a protocol error fails. */
  public JsonNode call(String method, Map<String, ?> params) throws Exception {
    int id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode();
    message.put("id", id);
    message.put("method", method);
    message.set("params", JSON.valueToTree(params == null ? Map.of() : params));
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    replies.put(id, reply);
    socket.sendText(JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
    JsonNode answer = reply.get(60, TimeUnit.SECONDS);
    if (answer.has("error")) {
      throw new IllegalStateException(method + ": " + answer.get("error"));
    }
    return answer.path("result");
  }

  public void navigate(String url) throws Exception {
    call("Page.navigate", Map.of("url", url));
  }

  /** Evaluates a JavaScript expression in the page and returns its value (JSON). */
  public JsonNode evaluate(String expression) throws Exception {
    JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
        "awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("page threw on '" + expression + "': " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /** Waits until {@code condition} (JavaScript) is true; fails with the last value after {@code timeout}. */
  public void await(String condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode value = call("Runtime.evaluate", Map.of("expression", "Boolean(" + condition + ")",
          "returnByValue", true)).path("result").path("value");
      if (value.asBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("page never satisfied " + condition + " within " + timeout + "; problems: "
            + problems);
      }
      Thread.sleep(200);
    }
  }

  /** The viewport of a laptop or a phone (mobile emulation: touch, device scale 3). */
  public void viewport(int width, int height, boolean mobile) throws Exception {
    call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
        "deviceScaleFactor", mobile ? 3 : 1, "mobile", mobile));
  }

  /** A PNG of the whole page, beyond the viewport. */
  public void screenshot(Path png) throws Exception {
    write(png, call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true)));
  }

  /** A PNG of the top-left {@code width} x {@code height} pixels of the page. */
  public void screenshot(Path png, int width, int height) throws Exception {
    write(png, call("Page.captureScreenshot", Map.of("format", "png", "clip",
        Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1))));
  }

  private static void write(Path png, JsonNode shot) throws IOException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  /** Console errors, uncaught exceptions, failed and error responses seen so far. */
  public List<String> problems() {
    return new ArrayList<>(problems);
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the browser goes away with its process either way
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    profile.close();
  }
}
