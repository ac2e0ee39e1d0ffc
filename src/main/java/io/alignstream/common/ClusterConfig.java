package io.alignstream.common;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How a service reaches the cluster: bootstrap servers, schema registry, topic prefix, and
 * Kafka client properties passed through verbatim (security settings and the like).
 */
public record ClusterConfig(
    String bootstrapServers, String schemaRegistryUrl, Topics topics, Map<String, String> kafkaProperties) {

  public ClusterConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers must be set (--bootstrap-servers)");
    }
    if (schemaRegistryUrl == null || schemaRegistryUrl.isBlank()) {
      throw new IllegalArgumentException("schema registry URL must be set (--schema-registry-url)");
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  public static ClusterConfig of(String bootstrapServers, String schemaRegistryUrl) {
    return new ClusterConfig(bootstrapServers, schemaRegistryUrl, Topics.withDefaultPrefix(), Map.of());
  }

  public ClusterConfig withTopics(Topics newTopics) {
    return new ClusterConfig(bootstrapServers, schemaRegistryUrl, newTopics, kafkaProperties);
  }

  /** Bootstrap servers plus the pass-through properties: the base of every client's config. */
  public Map<String, Object> clientProperties(String clientId) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
    return props;
  }

  public Map<String, Object> producerProperties(String clientId) {
    Map<String, Object> props = clientProperties(clientId);
    props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
    props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    return props;
  }

  public Map<String, Object> consumerProperties(String clientId, String groupId) {
    Map<String, Object> props = clientProperties(clientId);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }

  /** Client keys whose values are secrets: never printed (Kafka's own PASSWORD settings, plus the registry's user). */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("password") || k.contains("jaas") || k.contains("user.info") || k.contains("secret")
        || k.contains("token");
  }

  /** With secret values masked: a config may end up in a log line or an error message. */
  @Override
  public String toString() {
    Map<String, String> shown = new java.util.TreeMap<>();
    kafkaProperties.forEach((k, v) -> shown.put(k, isSecret(k) ? "[hidden]" : v));
    return "ClusterConfig[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl="
        + schemaRegistryUrl.replaceAll("//[^/@]*@", "//[hidden]@") + ", topics=" + topics + ", kafkaProperties="
        + shown + "]";
  }

  /** Configuration for the Avro serdes: registry URL and any {@code schema.registry.*} pass-through. */
  public Map<String, Object> serdeProperties() {
    Map<String, Object> props = new HashMap<>();
    kafkaProperties.forEach((k, v) -> {
      if (k.startsWith("schema.registry.") || k.startsWith("basic.auth.") || k.equals("auto.register.schemas")
          || k.equals("use.latest.version")) {
        props.put(k, v);
      }
    });
    props.put("schema.registry.url", schemaRegistryUrl);
    return props;
  }
}
