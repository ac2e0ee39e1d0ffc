package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.Setting;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's "settings probed" counts a probe only when it is final: over every triplet of its setting. */
class DemoProgressTest {

  private static final String KEY = "vice|embedding|0|NONE";
  private static final long TRIPLETS = 146_168;

  @Test
  void aPartialProbeIsNotCountedAsProbed() {
    AlignmentMetric partiallyScored = metric(91_209, 1854);
    AlignmentMetric scored = metric(TRIPLETS, 1854);
    // The probe the demo saw for minutes: over the triplets scored so far.
    ProbeResult partial = probe(91_209, 1854);
    ProbeResult complete = probe(TRIPLETS, 1854);

    assertThat(DemoCommand.hasFinalProbe(snapshot(partiallyScored, partial), KEY, TRIPLETS)).isFalse();
    // Scoring finished, the probe not yet rerun over the final inputs: still not probed.
    assertThat(DemoCommand.hasFinalProbe(snapshot(scored, partial), KEY, TRIPLETS)).isFalse();
    assertThat(DemoCommand.hasFinalProbe(snapshot(scored, complete), KEY, TRIPLETS)).isTrue();
    assertThat(DemoCommand.hasFinalProbe(snapshot(scored, null), KEY, TRIPLETS)).isFalse();
  }

  private static MetricsFollower.Snapshot snapshot(AlignmentMetric metric, ProbeResult probe) {
    return new MetricsFollower.Snapshot(Map.of(KEY, metric), probe == null ? Map.of() : Map.of(KEY, probe), Map.of());
  }

  private static Setting setting() {
    return Setting.newBuilder().setModelId("vice").setLayer("embedding").build();
  }

  private static AlignmentMetric metric(long total, int items) {
    return AlignmentMetric.newBuilder().setSetting(setting()).setCorrect(total / 2).setTotal(total).setAccuracy(0.5)
        .setCiLow(0.49).setCiHigh(0.51).setItemsEmbedded(items).setItemsReferenced(items)
        .setUpdatedAt(Instant.EPOCH).build();
  }

  private static ProbeResult probe(long triplets, int objects) {
    return ProbeResult.newBuilder().setSetting(setting()).setFolds(3).setFoldAccuracies(List.of(0.6, 0.6, 0.6))
        .setMeanAccuracy(0.6).setLambda(0.1).setHeldOutTriplets(triplets / 10).setObjects(objects)
        .setEpochs(2).setUpdatedAt(Instant.EPOCH).setTriplets(triplets).setItemsReferenced(objects)
        .build();
  }
}
