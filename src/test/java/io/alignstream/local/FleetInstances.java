package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.ClusterConfig;
import io.alignstream.extractor.ExtractorOptions;
import io.alignstream.extractor.FleetOptions;
import io.alignstream.extractor.FleetService;
import io.alignstream.extractor.FleetService.Outcome;
import io.alignstream.extractor.ModelOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code extract --fleet} instances as the fleet tests run them: made, awaited, and asked what they did. */
final class FleetInstances {

  private FleetInstances() {}

  /** An instance that polls every 100 ms and checks its evaluation's progress every 300 ms (not started). */
  static FleetService instance(ClusterConfig cluster, String id, ModelOptions modelOptions) {
    return new FleetService(cluster, new FleetOptions(new ExtractorOptions(id, 2, Duration.ofMillis(100),
        Duration.ofMinutes(2)), modelOptions, Duration.ofMillis(300)));
  }

  /** Waits until each instance has finished with {@code count} model requests; fails as soon as one stops. */
  static void awaitHandled(List<FleetService> fleet, int count) throws InterruptedException {
    while (!fleet.stream().allMatch(f -> f.handled().size() >= count)) {
      fleet.forEach(f -> assertThat(f.failure()).isEmpty());
      Thread.sleep(100);
    }
  }

  /** What a and b did with an evaluation, a's outcomes first. */
  static List<Outcome> outcomes(FleetService a, FleetService b, String evaluation) {
    List<Outcome> outcomes = new ArrayList<>();
    for (FleetService f : List.of(a, b)) {
      f.handled().stream().filter(h -> h.evaluation().equals(evaluation)).forEach(h -> outcomes.add(h.outcome()));
    }
    return outcomes;
  }
}
