package io.alignstream.scorer.http;

import io.alignstream.scorer.ceiling.CeilingView;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Every setting's latest published metric, probe result and regression result, as the output
 * topics hold them (read_committed), kept on every instance by the {@link MetricFeed}. It is
 * what an instance answers from when a setting's owner does not answer (dead, rebalancing,
 * restoring): the values the owner last committed, marked {@code "source": "view"}, with their
 * {@code updated_at}. It answers only once the feed has read the topics up to the end they had
 * when the instance started, so that it never lists part of the settings.
 *
 * <p>The noise ceiling is not a topic: the view keeps the last one the feed read from the
 * owner of the triplet summary.
 */
final class ResultsView {

  /** The latest value per setting of one output topic. */
  final class Latest<V> {
    private final Map<String, V> bySetting = new ConcurrentHashMap<>();
    private final Function<V, String> setting;

    private Latest(Function<V, String> setting) {
      this.setting = setting;
    }

    String setting(V value) {
      return setting.apply(value);
    }

    void put(V value) {
      bySetting.put(setting.apply(value), value);
    }

    Optional<V> get(String key) {
      requireCaughtUp();
      return Optional.ofNullable(bySetting.get(key));
    }

    /** The settings of one partition of the scorer's stores. */
    List<V> ofPartition(int partition) {
      requireCaughtUp();
      return bySetting.values().stream()
          .filter(v -> MetricsQuery.partitionOf(setting.apply(v), partitions) == partition).toList();
    }
  }

  final Latest<MetricView> metrics = new Latest<>(MetricView::setting);
  final Latest<ProbeView> probes = new Latest<>(ProbeView::setting);
  final Latest<RegressionView> regressions = new Latest<>(RegressionView::setting);
  private final int partitions;
  private volatile boolean caughtUp;
  private volatile CeilingView ceiling;

  /** {@code partitions}: of the scorer's input topics, so of its stores. */
  ResultsView(int partitions) {
    this.partitions = partitions;
  }

  /** The feed has read every output topic up to the end it had when this instance started. */
  void caughtUp() {
    caughtUp = true;
  }

  void ceiling(CeilingView latest) {
    ceiling = latest;
  }

  Optional<CeilingView> ceiling() {
    return Optional.ofNullable(ceiling);
  }

  private void requireCaughtUp() {
    if (!caughtUp) {
      throw new MetricsQuery.Unavailable("starting",
          "this instance is still reading the published results (its view is not complete yet)", null);
    }
  }
}
