package io.alignstream.scorer.http;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.alignstream.scorer.jobs.AnalysisConfig;
import java.util.Map;

/**
 * Which analyses a scorer runs, as {@code /analyses} and the demo report show it, so that a figure
 * without probe or regression results can say why (not requested, failed, not yet).
 *
 * @param probes whether it probes settings (unless {@code --analysis-threads 0})
 * @param regressions whether it regresses human dimensions (only with {@code --targets})
 * @param targets the name of the targets regressed, or null
 * @param failures this instance's jobs that failed, by slot ({@code probe|SETTING},
 *     {@code regression|SETTING}), with the reason
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AnalysesView(boolean probes, boolean regressions, String targets, Map<String, String> failures) {

  public static AnalysesView of(AnalysisConfig config, Map<String, String> failures) {
    return new AnalysesView(config.enabled(), config.enabled() && config.targets() != null,
        config.targets() == null ? null : config.targets().name(), Map.copyOf(failures));
  }
}
