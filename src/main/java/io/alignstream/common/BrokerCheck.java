package io.alignstream.common;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.LoggerFactory;

/**
 * Whether a Kafka broker answers at the configured address, asked once before a command starts
 * its work: without it Kafka's clients retry for a minute, logging a warning per attempt, and
 * then fail with "Timed out waiting for a node assignment", which says nothing about the fix.
 */
public final class BrokerCheck {

  /** How long a command waits for the first answer. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Kafka's per-attempt connection warning, silenced while the check runs. */
  private static final String NETWORK_CLIENT = "org.apache.kafka.clients.NetworkClient";

  private BrokerCheck() {}

  /**
   * Returns when a broker answers; otherwise throws, in one line, what to do.
   *
   * @throws IllegalStateException when no broker answers within {@link #TIMEOUT}, or one refuses this
   *     client's authentication
   */
  public static void require(ClusterConfig config) {
    Map<String, Object> properties = config.clientProperties("alignstream-broker-check");
    int millis = (int) TIMEOUT.toMillis();
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    Logger network = (Logger) LoggerFactory.getLogger(NETWORK_CLIENT);
    Level level = network.getLevel();
    network.setLevel(Level.ERROR);
    Admin admin = Admin.create(properties);
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis)).clusterId()
          .get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthorizationException) {
        return; // a broker answered; whether this principal may describe the cluster is not the question
      }
      if (e.getCause() instanceof AuthenticationException refused) {
        // Kafka's message names the mechanism and the reason, never the credentials
        throw new IllegalStateException("the Kafka broker at " + config.bootstrapServers() + " refused this client's "
            + "authentication: " + refused.getMessage() + " (check the security options: -X / kafka.* properties)");
      }
      throw unreachable(config);
    } catch (TimeoutException e) {
      throw unreachable(config);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while looking for a Kafka broker at " + config.bootstrapServers(), e);
    } finally {
      admin.close(Duration.ofSeconds(1)); // nothing is in flight that matters
      network.setLevel(level);
    }
  }

  private static IllegalStateException unreachable(ClusterConfig config) {
    return new IllegalStateException("no Kafka broker answers at " + config.bootstrapServers() + " within "
        + TIMEOUT.toSeconds() + " s: start one with `alignstream local` (on this machine), or name yours with"
        + " --bootstrap-servers HOST:PORT (or ALIGNSTREAM_BOOTSTRAP_SERVERS)");
  }
}
