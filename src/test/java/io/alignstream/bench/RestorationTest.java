package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.alignstream.scorer.stream.ScorerReadiness;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a scorer logs of a restoration is what the benches read back from its log. */
class RestorationTest {

  @Test
  void aRestorationLoggedByTheScorerIsReadBackPerChangelog() {
    Logger logger = (Logger) LoggerFactory.getLogger(ScorerReadiness.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      // The listener's callbacks do not touch the streams (only status() does).
      ScorerReadiness readiness = new ScorerReadiness(null);
      TopicPartition vectors0 = new TopicPartition("app-vectors-changelog", 0);
      TopicPartition vectors1 = new TopicPartition("app-vectors-changelog", 1);
      TopicPartition triplets0 = new TopicPartition("app-triplets-changelog", 0);
      readiness.onRestoreStart(vectors0, "vectors", 0, 300);
      readiness.onRestoreStart(vectors1, "vectors", 0, 200);
      readiness.onRestoreStart(triplets0, "triplets", 0, 1000);
      readiness.onBatchRestored(vectors0, "vectors", 299, 300);
      readiness.onBatchRestored(triplets0, "triplets", 999, 1000);
      readiness.onRestoreEnd(triplets0, "triplets", 1000);
      readiness.onRestoreEnd(vectors0, "vectors", 300);
      readiness.onBatchRestored(vectors1, "vectors", 199, 200);
      readiness.onRestoreEnd(vectors1, "vectors", 200);
      // a second restoration with nothing to restore is logged, and skipped when read back
      readiness.onRestoreStart(vectors0, "vectors", 300, 300);
      readiness.onRestoreEnd(vectors0, "vectors", 0);
    } finally {
      logger.detachAppender(logged);
    }
    String log = logged.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));

    List<Restoration> restorations = Restoration.in(log);

    assertThat(restorations).hasSize(1);
    Restoration restoration = restorations.get(0);
    assertThat(restoration.records()).isEqualTo(1500);
    assertThat(restoration.byChangelog()).isEqualTo(Map.of("app-vectors-changelog", 500L, "app-triplets-changelog", 1000L));
    // the triplets were done before the vectors' last partition, which ended the restoration
    assertThat(restoration.secondsByChangelog().get("app-triplets-changelog"))
        .isLessThanOrEqualTo(restoration.secondsByChangelog().get("app-vectors-changelog"));
    assertThat(restoration.secondsByChangelog().get("app-vectors-changelog")).isLessThanOrEqualTo(restoration.seconds());
  }
}
