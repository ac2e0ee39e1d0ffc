package io.alignstream.local;

/**
 * One real embedded broker, and one embedded schema registry on it, for every test class of
 * this JVM that only needs some broker: starting one takes seconds, and failsafe runs all *IT
 * classes in one JVM, so they share it, each with topics (and subjects) of its own. Closed (and
 * the broker's temporary directory deleted) when the JVM ends.
 */
public final class SharedTestBroker {

  private static EmbeddedKafkaBroker broker;
  private static EmbeddedSchemaRegistry registry;

  private SharedTestBroker() {}

  public static synchronized String bootstrapServers() {
    if (broker == null) {
      EmbeddedKafkaBroker started = EmbeddedKafkaBroker.start(null, 0);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-test-broker-shutdown"));
      broker = started;
    }
    return broker.bootstrapServers();
  }

  /** The URL of a registry over real HTTP that keeps its schemas on the shared broker. */
  public static synchronized String registryUrl() {
    if (registry == null) {
      EmbeddedSchemaRegistry started = EmbeddedSchemaRegistry.start(
          EmbeddedSchemaRegistry.Settings.of(bootstrapServers()).withPort(0));
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-test-registry-shutdown"));
      registry = started;
    }
    return registry.url();
  }
}
