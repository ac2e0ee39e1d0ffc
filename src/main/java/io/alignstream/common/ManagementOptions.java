package io.alignstream.common;

import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** The management port options of every long-running service command (see {@link ManagementServer}). */
public final class ManagementOptions {

  /**
   * The services with a management port, each with its own default port so that {@code local},
   * {@code score} and any number of {@code extract} run on one machine with default options.
   */
  public enum Service {
    LOCAL("local", 9464), SCORER("scorer", 9465), EXTRACTOR("extractor", 9466);

    private final String tag;
    private final int defaultPort;

    Service(String tag, int defaultPort) {
      this.tag = tag;
      this.defaultPort = defaultPort;
    }

    public int defaultPort() {
      return defaultPort;
    }
  }

  /** Null: the service's default port, or any free port when another process holds it. */
  @Option(names = "--management-port", paramLabel = "PORT",
      description = "Port of /prometheus, /health and /ready; 0 = any free port, -1 = none (default: 9464 for local,"
          + " 9465 for score, 9466 for extract, or any free port when another process holds it; a port given here"
          + " must be free).")
  Integer port;

  @Option(names = "--management-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
      description = "Address the management port binds (default: ${DEFAULT-VALUE}; 0.0.0.0 for a Prometheus elsewhere).")
  String host;

  /** Starts the management server, or returns null with --management-port -1; print its {@code describe()}. */
  public ManagementServer start(Service service, String instance, Supplier<ManagementServer.Status> status) {
    if (port == null) {
      return ManagementServer.startOnDefault(host, service.defaultPort(), service.tag, instance, status);
    }
    if (port < 0) {
      return null;
    }
    return ManagementServer.start(host, port, service.tag, instance, status);
  }
}
