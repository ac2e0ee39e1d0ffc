package io.alignstream.scorer.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.alignstream.common.SettingKey;
import io.alignstream.report.PublishedResults;
import io.alignstream.report.ResultTables;
import io.alignstream.report.Results;
import io.alignstream.scorer.ceiling.CeilingView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer's HTTP surface (JDK HttpServer):
 * <ul>
 *   <li>{@code GET /} the live dashboard (one self-contained page), {@code /favicon.ico} its icon;
 *   <li>{@code GET /settings} the settings with a metric;
 *   <li>{@code GET /metrics?model=&layer=&noise=&conditioning=} metrics, optionally filtered;
 *   <li>{@code GET /metrics/{setting}} one setting (the setting string URL-encoded);
 *   <li>{@code GET /ceiling} the noise ceiling in force, its 95% interval, support and source;
 *   <li>{@code GET /probes}, {@code /probes/{setting}} linear-probe results (404 when none yet);
 *   <li>{@code GET /regressions}, {@code /regressions/{setting}} human-dimension regression results;
 *   <li>{@code GET /grid?model=&conditioning=} a layer x noise accuracy grid for plotting;
 *   <li>{@code GET /figures?model=} the dashboard's figures of a model and the comparison of every
 *       model, drawn by the report's code ({@link DashboardFigures}); {@code /models.csv} the
 *       numbers of the comparison, {@code /published.csv} the published figures it shows apart;
 *   <li>{@code GET /analyses} which analyses this scorer runs (probes, regressions) and which failed;
 *   <li>{@code GET /snapshot} the dashboard as a static page: the results of now inlined, no
 *       event stream, so that it finishes loading (a screenshot tool captures it);
 *   <li>{@code GET /events} Server-Sent Events: a snapshot, then every update ({@code metric},
 *       {@code windowed}, {@code probe}, {@code regression}, {@code ceiling});
 *   <li>{@code GET /health} whether the streams are running.
 * </ul>
 * {@code scope=local} answers from this instance's copy only (used between instances, see
 * {@link MetricsQuery}): of the setting's partition, or for lists of {@code partition=P}; 503 when
 * this instance holds no current copy of it.
 */
public final class ScorerHttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(ScorerHttpApi.class);
  private static final long KEEPALIVE_SECONDS = 15;

  private final MetricsQuery query;
  private final EventHub hub;
  private final Supplier<String> streamsState;
  private final ObjectMapper json = new ObjectMapper();
  private final Supplier<AnalysesView> analyses;
  private final DashboardFigures figures;
  private final byte[] dashboard;
  private final byte[] favicon;

  public ScorerHttpApi(MetricsQuery query, EventHub hub, Supplier<String> streamsState,
      Supplier<AnalysesView> analyses, List<PublishedResults.Row> published) {
    this.query = query;
    this.hub = hub;
    this.streamsState = streamsState;
    this.analyses = analyses;
    this.figures = new DashboardFigures(query, analyses, published);
    this.dashboard = resource("dashboard.html");
    this.favicon = resource("favicon.svg");
  }

  private static byte[] resource(String name) {
    try (InputStream in = ScorerHttpApi.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the scorer's resources");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the scorer resource " + name, e);
    }
  }

  public void register(HttpServer server) {
    server.createContext("/", this::handle);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        send(exchange, 405, Map.of("error", "only GET is served"));
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      Map<String, String> params = params(exchange.getRequestURI().getRawQuery());
      try {
        Integer local = "local".equals(params.get("scope")) ? partition(params) : null;
        route(exchange, path, params, local);
      } catch (MetricsQuery.Unavailable e) {
        exchange.getResponseHeaders().set("Retry-After", "1");
        send(exchange, 503, Map.of("error", e.getMessage(), "state", e.state));
      } catch (IllegalArgumentException e) {
        send(exchange, 400, Map.of("error", e.getMessage()));
      }
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.getMessage());
    }
  }

  /** The partition a scope=local list asks for; none for one setting's (its key says which). */
  private static Integer partition(Map<String, String> params) {
    String text = params.get("partition");
    try {
      return text == null ? -1 : Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("partition '" + text + "' is not a number");
    }
  }

  /** {@code local}: the partition asked for with scope=local (-1: none given), or null for a query across instances. */
  private void route(HttpExchange exchange, String path, Map<String, String> params, Integer local) throws IOException {
    if (path.equals("/") || path.equals("/index.html")) {
      sendBytes(exchange, "text/html; charset=utf-8", dashboard);
    } else if (path.equals("/snapshot")) {
      sendBytes(exchange, "text/html; charset=utf-8", snapshot());
    } else if (path.equals("/analyses")) {
      send(exchange, 200, analyses.get());
    } else if (path.equals("/figures")) {
      send(exchange, 200, DashboardFigures.view(figures.results(), required(params, "model")));
    } else if (path.equals("/models.csv")) {
      sendBytes(exchange, "text/csv; charset=utf-8",
          ResultTables.models(figures.results()).csv().getBytes(StandardCharsets.UTF_8));
    } else if (path.equals("/published.csv")) {
      Results results = figures.results();
      if (results.published().isEmpty()) {
        send(exchange, 404, Map.of("error", "no published figures: the scorer was started without --published"));
      } else {
        sendBytes(exchange, "text/csv; charset=utf-8",
            ResultTables.published(results).csv().getBytes(StandardCharsets.UTF_8));
      }
    } else if (path.equals("/favicon.ico") || path.equals("/favicon.svg")) {
      // browsers ask for /favicon.ico on every page load; an SVG under that name is what they show
      exchange.getResponseHeaders().set("Content-Type", "image/svg+xml");
      exchange.getResponseHeaders().set("Cache-Control", "max-age=86400");
      exchange.sendResponseHeaders(200, favicon.length);
      exchange.getResponseBody().write(favicon);
    } else if (path.equals("/health")) {
      send(exchange, 200, Map.of("state", streamsState.get()));
    } else if (path.equals("/settings")) {
      send(exchange, 200, metrics(local).stream().map(m -> {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("setting", m.setting());
        s.put("model", m.model());
        s.put("layer", m.layer());
        s.put("noise_level", m.noiseLevel());
        s.put("timestep", m.timestep());
        s.put("conditioning", m.conditioning());
        s.put("pooling", m.pooling());
        s.put("items_embedded", m.itemsEmbedded());
        return s;
      }).toList());
    } else if (path.equals("/metrics")) {
      send(exchange, 200, metrics(local).stream().filter(m -> matches(m, params)).toList());
    } else if (path.startsWith("/metrics/")) {
      String setting = URLDecoder.decode(path.substring("/metrics/".length()), StandardCharsets.UTF_8);
      sendOne(exchange, local != null ? query.localMetric(setting) : query.metric(setting), "metric", setting);
    } else if (path.equals("/probes")) {
      send(exchange, 200, local != null ? query.localProbes(listPartition(local)) : query.allProbes());
    } else if (path.startsWith("/probes/")) {
      String setting = URLDecoder.decode(path.substring("/probes/".length()), StandardCharsets.UTF_8);
      sendOne(exchange, local != null ? query.localProbe(setting) : query.probe(setting), "probe result", setting);
    } else if (path.equals("/regressions")) {
      send(exchange, 200, local != null ? query.localRegressions(listPartition(local)) : query.allRegressions());
    } else if (path.startsWith("/regressions/")) {
      String setting = URLDecoder.decode(path.substring("/regressions/".length()), StandardCharsets.UTF_8);
      sendOne(exchange, local != null ? query.localRegression(setting) : query.regression(setting), "regression result",
          setting);
    } else if (path.equals("/ceiling")) {
      Optional<CeilingView> ceiling = local != null ? query.localCeiling() : query.ceiling();
      if (ceiling.isPresent()) {
        send(exchange, 200, ceiling.get());
      } else {
        send(exchange, 404, Map.of("error", "no triplets known yet"));
      }
    } else if (path.equals("/grid")) {
      String model = required(params, "model");
      String conditioning = params.getOrDefault("conditioning", "NONE");
      send(exchange, 200, MetricsGrid.of(model, conditioning, metrics(local)));
    } else if (path.equals("/events")) {
      streamEvents(exchange);
    } else {
      send(exchange, 404, Map.of("error", "no such resource " + path
          + "; try /, /settings, /metrics, /metrics/{setting}, /probes, /probes/{setting}, /regressions, "
          + "/regressions/{setting}, /ceiling, /grid?model=..., /figures?model=..., /models.csv, /analyses, "
          + "/snapshot, /events, /health"));
    }
  }

  private List<MetricView> metrics(Integer local) {
    return local != null ? query.localMetrics(listPartition(local)) : query.allMetrics();
  }

  private static int listPartition(int partition) {
    if (partition < 0) {
      throw new IllegalArgumentException("scope=local lists one partition: add partition=P");
    }
    return partition;
  }

  private static boolean matches(MetricView m, Map<String, String> params) {
    String model = params.get("model");
    String layer = params.get("layer");
    String noise = params.get("noise");
    String conditioning = params.get("conditioning");
    if (model != null && !model.equals(m.model())) {
      return false;
    }
    if (layer != null && !layer.equals(m.layer())) {
      return false;
    }
    if (noise != null && (m.noiseLevel() == null
        || !SettingKey.formatNoise(parseNoise(noise)).equals(SettingKey.formatNoise(m.noiseLevel())))) {
      return false;
    }
    return conditioning == null || conditioning.equalsIgnoreCase(m.conditioning());
  }

  private static double parseNoise(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("noise '" + text + "' is not a number");
    }
  }

  /** SSE: the current metrics, probes, regressions and ceiling first, then every update, with a comment line as keepalive. */
  private void streamEvents(HttpExchange exchange) throws IOException {
    BlockingQueue<EventHub.Event> queue = hub.subscribe();
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write(": alignstream scorer events\n\n".getBytes(StandardCharsets.UTF_8));
      try {
        for (MetricView metric : query.allMetrics()) {
          write(out, new EventHub.Event("metric", json.writeValueAsString(metric)));
        }
        for (ProbeView probe : query.allProbes()) {
          write(out, new EventHub.Event("probe", json.writeValueAsString(probe)));
        }
        for (RegressionView regression : query.allRegressions()) {
          write(out, new EventHub.Event("regression", json.writeValueAsString(regression)));
        }
        Optional<CeilingView> ceiling = query.ceiling();
        if (ceiling.isPresent()) {
          write(out, new EventHub.Event("ceiling", json.writeValueAsString(ceiling.get())));
        }
      } catch (MetricsQuery.Unavailable e) {
        write(out, new EventHub.Event("unavailable", json.writeValueAsString(Map.of("error", e.getMessage()))));
      }
      out.flush();
      while (true) {
        EventHub.Event event = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
        if (event == null) {
          out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
        } else if (event.name().equals("overflow")) {
          return;
        } else {
          write(out, event);
        }
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      hub.unsubscribe(queue);
    }
  }

  private static void write(OutputStream out, EventHub.Event event) throws IOException {
    out.write(("event: " + event.name() + "\ndata: " + event.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The dashboard with the results of now in it (metrics, probes, regressions, ceiling, analyses
   * and every model's figures), for its script to draw without asking for anything more.
   */
  private byte[] snapshot() throws IOException {
    Results results = figures.results();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("metrics", query.allMetrics());
    data.put("probes", query.allProbes());
    data.put("regressions", query.allRegressions());
    data.put("ceiling", query.ceiling().orElse(null));
    data.put("analyses", analyses.get());
    data.put("published", !results.published().isEmpty());
    data.put("figures", DashboardFigures.ofEveryModel(results));
    data.put("taken_at", System.currentTimeMillis());
    // "<" only occurs inside JSON strings, where \u003c means the same: no "</script>" can end the element early
    String inline = "<script type=\"application/json\" id=\"snapshot\">"
        + json.writeValueAsString(data).replace("<", "\\u003c") + "</script>";
    return new String(dashboard, StandardCharsets.UTF_8).replace(SNAPSHOT_MARK, inline).getBytes(StandardCharsets.UTF_8);
  }

  /** Where the static snapshot's data goes in dashboard.html. */
  private static final String SNAPSHOT_MARK = "<!-- snapshot -->";

  private static void sendBytes(HttpExchange exchange, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
  }

  private void sendOne(HttpExchange exchange, Optional<?> value, String what, String setting) throws IOException {
    if (value.isPresent()) {
      send(exchange, 200, value.get());
    } else {
      send(exchange, 404, Map.of("error", "no " + what + " for setting '" + setting + "' (yet)"));
    }
  }

  private void send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String required(Map<String, String> params, String name) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("query parameter '" + name + "' is required");
    }
    return value;
  }

  static Map<String, String> params(String rawQuery) {
    Map<String, String> params = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(name.toLowerCase(Locale.ROOT), value);
    }
    return params;
  }
}
