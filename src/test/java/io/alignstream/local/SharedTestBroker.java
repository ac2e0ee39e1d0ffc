package io.alignstream.local;

/**
 * One real embedded broker for the test classes of this JVM that only need some broker:
 * starting one takes seconds, so the registry tests share it, each with topics of its own.
 * Closed (and its temporary directory deleted) when the JVM ends.
 */
final class SharedTestBroker {

  private static EmbeddedKafkaBroker broker;

  private SharedTestBroker() {}

  static synchronized String bootstrapServers() {
    if (broker == null) {
      EmbeddedKafkaBroker started = EmbeddedKafkaBroker.start(null, 0);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-test-broker-shutdown"));
      broker = started;
    }
    return broker.bootstrapServers();
  }
}
