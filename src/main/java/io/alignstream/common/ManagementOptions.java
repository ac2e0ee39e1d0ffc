package io.alignstream.common;

import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** The management port options of every long-running service command (see {@link ManagementServer}). */
public final class ManagementOptions {

  @Option(names = "--management-port", defaultValue = "9464", paramLabel = "PORT",
      description = "Port of /prometheus, /health and /ready; 0 = any free port, -1 = none (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--management-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
      description = "Address the management port binds (default: ${DEFAULT-VALUE}; 0.0.0.0 for a Prometheus elsewhere).")
  String host;

  /** Starts the management server, or returns null with --management-port -1; print its {@code describe()}. */
  public ManagementServer start(String service, String instance, Supplier<ManagementServer.Status> status) {
    if (port < 0) {
      return null;
    }
    return ManagementServer.start(host, port, service, instance, status);
  }
}
