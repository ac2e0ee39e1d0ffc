package io.alignstream.scorer.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;

/**
 * An {@link AlignmentMetric} as the REST API and the event stream show it: flat, snake_case,
 * times in epoch milliseconds, with the setting's parts spelled out for filtering and plotting
 * (noise level, timestep and conditioning null in a pooled setting, pooling null in a diffusion one).
 * {@code source} says where a REST answer came from: {@code owner} (the setting's partition's
 * owner, freshest) or {@code view} (the instance's replicated view of the published results,
 * what the owner last committed: {@code updated_at} says how old); see {@link MetricsQuery}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MetricView(
    String setting, String model, String layer, Double noiseLevel, Integer timestep, String conditioning,
    String pooling, long correct, long total, double accuracy, double ciLow, double ciHigh, double chance,
    int itemsEmbedded, int itemsReferenced, double coverage,
    Double noiseCeiling, Double noiseCeilingLoo, Double normalized,
    Long windowStart, Long windowEnd, long updatedAt, @JsonInclude(JsonInclude.Include.NON_NULL) String source) {

  public static MetricView of(AlignmentMetric m, String source) {
    Setting s = m.getSetting();
    return new MetricView(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(), s.getTimestep(),
        SettingKey.conditioning(s), s.getPooling(), m.getCorrect(), m.getTotal(), m.getAccuracy(), m.getCiLow(), m.getCiHigh(),
        m.getChance(), m.getItemsEmbedded(), m.getItemsReferenced(), m.getCoverage(), m.getNoiseCeiling(),
        m.getNoiseCeilingLoo(), m.getNormalized(),
        m.getWindowStart() == null ? null : m.getWindowStart().toEpochMilli(),
        m.getWindowEnd() == null ? null : m.getWindowEnd().toEpochMilli(),
        m.getUpdatedAt().toEpochMilli(), source);
  }
}
