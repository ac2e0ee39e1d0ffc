package io.alignstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Ports on 127.0.0.1 for the embedded servers, checked before they start: Kafka reports a taken
 * port only after seconds, with an opaque message, and leaves its threads running.
 */
final class FreePorts {

  private FreePorts() {}

  /** A port free right now. */
  static int any() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(KafkaNodes.HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + KafkaNodes.HOST, e);
    }
  }

  /** {@code port} itself, or an error naming what wanted it when it is taken. */
  static int require(int port, String what) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(KafkaNodes.HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(what + " port " + port + " on " + KafkaNodes.HOST + " is already in use", e);
    }
  }
}
