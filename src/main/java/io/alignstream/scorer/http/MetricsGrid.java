package io.alignstream.scorer.http;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * One model and conditioning as a layer x noise-level grid, shaped for a heat-map:
 * {@code accuracy[i][j]} is layer {@code layers[i]} at noise {@code noise_levels[j]}, null where
 * that setting has no metric yet. Layers follow the UNet's order (Down0..Down3, Mid, Up0..Up3),
 * other names after them alphabetically; noise levels ascend.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MetricsGrid(String model, String conditioning, List<String> layers, List<Double> noiseLevels,
    List<List<Double>> accuracy, List<List<Double>> normalized, List<List<Long>> total, Double noiseCeiling) {

  private static final List<String> UNET_ORDER = List.of("Down0", "Down1", "Down2", "Down3", "Mid", "Up0", "Up1", "Up2", "Up3");

  static MetricsGrid of(String model, String conditioning, List<MetricView> metrics) {
    List<MetricView> selected = metrics.stream()
        .filter(m -> m.model().equals(model) && conditioning.equalsIgnoreCase(m.conditioning()))
        .toList();
    TreeSet<String> layerSet = new TreeSet<>(LAYER_ORDER);
    TreeSet<Double> noiseSet = new TreeSet<>();
    selected.forEach(m -> {
      layerSet.add(m.layer());
      noiseSet.add(m.noiseLevel());
    });
    List<String> layers = new ArrayList<>(layerSet);
    List<Double> noises = new ArrayList<>(noiseSet);
    List<List<Double>> accuracy = new ArrayList<>();
    List<List<Double>> normalized = new ArrayList<>();
    List<List<Long>> total = new ArrayList<>();
    for (String layer : layers) {
      List<Double> accuracyRow = new ArrayList<>();
      List<Double> normalizedRow = new ArrayList<>();
      List<Long> totalRow = new ArrayList<>();
      for (double noise : noises) {
        MetricView cell = selected.stream().filter(m -> m.layer().equals(layer) && m.noiseLevel() == noise)
            .findFirst().orElse(null);
        accuracyRow.add(cell == null ? null : cell.accuracy());
        normalizedRow.add(cell == null ? null : cell.normalized());
        totalRow.add(cell == null ? null : cell.total());
      }
      accuracy.add(accuracyRow);
      normalized.add(normalizedRow);
      total.add(totalRow);
    }
    Double ceiling = selected.stream().map(MetricView::noiseCeiling).filter(c -> c != null).findFirst().orElse(null);
    return new MetricsGrid(model, conditioning.toUpperCase(java.util.Locale.ROOT), layers, noises, accuracy,
        normalized, total, ceiling);
  }

  private static final Comparator<String> LAYER_ORDER = (a, b) -> {
    int ia = UNET_ORDER.indexOf(a);
    int ib = UNET_ORDER.indexOf(b);
    if (ia >= 0 && ib >= 0) {
      return Integer.compare(ia, ib);
    }
    if (ia >= 0 || ib >= 0) {
      return ia >= 0 ? -1 : 1;
    }
    return a.compareTo(b);
  };
}
