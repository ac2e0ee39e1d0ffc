package io.alignstream.common.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks the client for a {@code schema.registry.url}: {@code mock://scope} gives the shared
 * in-memory registry of that scope (for tests, as Confluent's serdes do); anything else an
 * HTTP client, one per URL so every serde in a process shares its cache.
 */
public final class SchemaRegistries {

  private static final String MOCK = "mock://";
  private static final Map<String, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();

  private SchemaRegistries() {}

  public static SchemaRegistryClient forUrl(String url, Map<String, ?> config) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("schema.registry.url must be set");
    }
    return CLIENTS.computeIfAbsent(url.trim(), key -> key.startsWith(MOCK)
        ? new InMemorySchemaRegistry()
        : new HttpSchemaRegistryClient(key, config));
  }

  /** Forgets the in-memory registry of {@code mock://scope}, so a test starts empty. */
  public static void dropMock(String url) {
    CLIENTS.remove(url);
  }
}
