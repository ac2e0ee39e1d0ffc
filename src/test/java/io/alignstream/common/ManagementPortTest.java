package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Management ports on a shared machine: a default port held by another process gives way to a
 * free one (several extractors beside local and a scorer), a port given explicitly never does.
 */
class ManagementPortTest {

  @Test
  void eachServiceHasItsOwnDefaultPort() {
    assertThat(new ManagementOptions.Service[] {ManagementOptions.Service.LOCAL, ManagementOptions.Service.SCORER,
        ManagementOptions.Service.EXTRACTOR}).extracting(ManagementOptions.Service::defaultPort)
        .doesNotHaveDuplicates();
  }

  @Test
  void aTakenDefaultPortFallsBackToAFreeOneAndSaysSo() throws Exception {
    try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        ManagementServer server = ManagementServer.startOnDefault("127.0.0.1", other.getLocalPort(), "extractor", "b",
            ManagementServer.Status::running)) {
      assertThat(server.port()).isNotEqualTo(other.getLocalPort()).isPositive();
      assertThat(server.describe()).isEqualTo("management: http://127.0.0.1:" + server.port()
          + "/ (prometheus, health, ready; the default port " + other.getLocalPort()
          + " is in use, --management-port chooses one)");
    }
  }

  @Test
  void aFreeDefaultPortIsTaken() throws Exception {
    int free;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      free = probe.getLocalPort();
    }
    try (ManagementServer server = ManagementServer.startOnDefault("127.0.0.1", free, "scorer", "a",
        ManagementServer.Status::running)) {
      assertThat(server.port()).isEqualTo(free);
      assertThat(server.describe()).doesNotContain("in use");
    }
  }

  @Test
  void aTakenExplicitPortIsAnErrorNamingTheOption() throws Exception {
    try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      ManagementOptions options = new ManagementOptions();
      new CommandLine(options).parseArgs("--management-port", String.valueOf(other.getLocalPort()));
      assertThatThrownBy(() -> options.start(ManagementOptions.Service.EXTRACTOR, "a", ManagementServer.Status::running))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cannot bind the management port 127.0.0.1:" + other.getLocalPort()
              + " (--management-port PORT chooses another, 0 any free one): ");
    }
  }
}
