package io.alignstream.common;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port of a long-running service (extractor, scorer, local), apart from any API
 * it serves: {@code GET /prometheus} (Prometheus text format), {@code GET /health} (200 while the
 * service works, 503 once it has failed) and {@code GET /ready} (200 when it does its job right
 * now, 503 with the reason while it starts, restores or rebalances).
 *
 * <p>The service's meters live in Micrometer's global registry, so code anywhere in the service
 * (dead letters, decoders) counts with {@code Metrics.counter(...)}; this server adds a
 * Prometheus registry to it, tagged with the service and instance, plus the JVM's memory, GC,
 * threads, CPU and the process's resident memory (which includes PyTorch's native memory).
 */
public final class ManagementServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

  /**
   * What {@code /health} and {@code /ready} report.
   *
   * @param live false once the service has failed for good (restart it)
   * @param ready whether it does its job right now
   * @param state a short word: running, starting, restoring, rebalancing, failed, ...
   * @param reason why it is not ready or not live, or null
   */
  public record Status(boolean live, boolean ready, String state, String reason) {
    public static Status running() {
      return new Status(true, true, "running", null);
    }

    public static Status notReady(String state, String reason) {
      return new Status(true, false, state, reason);
    }

    public static Status failed(String reason) {
      return new Status(false, false, "failed", reason);
    }
  }

  private final HttpServer http;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;
  private final Supplier<Status> status;
  private final ObjectMapper json = new ObjectMapper();
  /** The default port this server would have taken, had another process not held it; null when it has its own. */
  private final Integer takenDefault;

  private ManagementServer(HttpServer http, PrometheusMeterRegistry registry, JvmGcMetrics gc, Supplier<Status> status,
      Integer takenDefault) {
    this.http = http;
    this.registry = registry;
    this.gc = gc;
    this.status = status;
    this.takenDefault = takenDefault;
  }

  /**
   * Binds {@code host:port} (port 0: any free port) and serves until {@link #close()}; a port that
   * is taken is an error naming --management-port.
   *
   * @param service extractor, scorer or local: the {@code service} tag of every meter
   * @param instance the {@code instance} tag of every meter
   */
  public static ManagementServer start(String host, int port, String service, String instance, Supplier<Status> status) {
    return serve(bind(host, port), service, instance, status, null);
  }

  /**
   * Binds the service's default port, or any free port when another process holds it (a second
   * extractor on the machine), and serves until {@link #close()}; {@link #describe()} says which.
   */
  public static ManagementServer startOnDefault(String host, int defaultPort, String service, String instance,
      Supplier<Status> status) {
    try {
      return serve(HttpServer.create(new InetSocketAddress(host, defaultPort), 16), service, instance, status, null);
    } catch (BindException taken) {
      return serve(bind(host, 0), service, instance, status, defaultPort);
    } catch (IOException e) {
      throw cannotBind(host, defaultPort, e);
    }
  }

  private static HttpServer bind(String host, int port) {
    try {
      return HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw cannotBind(host, port, e);
    }
  }

  private static IllegalArgumentException cannotBind(String host, int port, IOException e) {
    return new IllegalArgumentException("cannot bind the management port " + host + ":" + port
        + " (--management-port PORT chooses another, 0 any free one): " + e.getMessage(), e);
  }

  private static ManagementServer serve(HttpServer http, String service, String instance, Supplier<Status> status,
      Integer takenDefault) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service, "instance", instance);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    if (ResidentMemory.bytes().isPresent()) {
      Gauge.builder("process.resident.memory", () -> (double) ResidentMemory.bytes().orElse(0))
          .description("Resident set size of the process (JVM heap, native and PyTorch memory), from /proc/self/status")
          .baseUnit("bytes").register(registry);
    }
    Metrics.addRegistry(registry);
    ManagementServer server = new ManagementServer(http, registry, gc, status, takenDefault);
    http.createContext("/", server::handle);
    http.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "alignstream-management");
      thread.setDaemon(true);
      return thread;
    }));
    http.start();
    return server;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** The address line services print at start, e.g. {@code management: http://127.0.0.1:9464/ (...)}. */
  public String describe() {
    return "management: http://" + http.getAddress().getHostString() + ":" + port() + "/ (prometheus, health, ready"
        + (takenDefault == null ? ")" : "; the default port " + takenDefault + " is in use, --management-port chooses one)");
  }

  /** The text a Prometheus scrape gets. */
  public String scrape() {
    return registry.scrape();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!exchange.getRequestMethod().equals("GET")) {
        send(exchange, 405, "application/json", json.writeValueAsBytes(Map.of("error", "only GET is served")));
      } else if (path.equals("/prometheus")) {
        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", scrape().getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("/health") || path.equals("/ready")) {
        Status now = status.get();
        boolean ok = path.equals("/health") ? now.live() : now.ready();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ok ? "UP" : "DOWN");
        body.put("state", now.state());
        if (now.reason() != null) {
          body.put("reason", now.reason());
        }
        if (!ok) {
          exchange.getResponseHeaders().set("Retry-After", "1");
        }
        send(exchange, ok ? 200 : 503, "application/json", json.writeValueAsBytes(body));
      } else {
        send(exchange, 404, "application/json",
            json.writeValueAsBytes(Map.of("error", "no such resource " + path + "; try /prometheus, /health, /ready")));
      }
    } catch (IOException e) {
      LOG.debug("management client went away: {}", e.getMessage());
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    http.stop(0);
    Metrics.removeRegistry(registry);
    gc.close();
    registry.close();
  }
}
