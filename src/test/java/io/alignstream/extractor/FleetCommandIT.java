package io.alignstream.extractor;

import static io.alignstream.common.ManagementEndpoint.sum;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.bench.ServiceProcess;
import io.alignstream.common.ManagementEndpoint;
import io.alignstream.common.ManagementServer;
import io.alignstream.local.SharedTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code extract --fleet} in a JVM of its own, as a fleet pod runs it: its management port answers
 * the probes and the scrape a Deployment and a PodMonitor point at, its meters tagged with the
 * fleet's service name (what the fleet's autoscaling query selects on).
 */
class FleetCommandIT {

  @Test
  void aFleetInstanceServesHealthReadinessAndItsMeters(@TempDir Path logs) throws Exception {
    String instance = "fleet-it-" + UUID.randomUUID().toString().substring(0, 6);
    ServiceProcess fleet = new ServiceProcess(instance, List.of("-Xmx256m", "-XX:+UseSerialGC"),
        List.of("extract", "--fleet", "--instance-id", instance, "--bootstrap-servers", SharedTestBroker.bootstrapServers(),
            "--schema-registry-url", SharedTestBroker.registryUrl(), "--topic-prefix", instance + ".",
            "--partitions", "1", "--management-port", "0"), logs);
    fleet.start();
    try {
      int port = Integer.parseInt(fleet.await(Pattern.compile("fleet instance " + instance
          + " management: http://127\\.0\\.0\\.1:(\\d+)/"), Duration.ofSeconds(120)).group(1));
      ManagementEndpoint endpoint = new ManagementEndpoint(port);
      assertThat(endpoint.get(ManagementServer.HEALTH_PATH).statusCode()).isEqualTo(200);
      assertThat(endpoint.get(ManagementServer.READY_PATH).statusCode()).isEqualTo(200);
      assertThat(sum(endpoint.scrape(), "jvm_threads_live_threads",
          Map.of("service", FleetService.SERVICE, "instance", instance))).isPositive();
    } finally {
      fleet.stop(Duration.ofSeconds(30));
    }
  }
}
