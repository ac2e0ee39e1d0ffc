package io.alignstream.local;

import io.alignstream.extractor.ModelInfo;
import io.alignstream.schema.Setting;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The order results read best in: models as started, then conditioning, then noise level, then
 * layers in network order (Down0 before Up3, not alphabetically), then pooling (pooled settings
 * have no conditioning or noise level).
 */
final class SettingOrder {

  private SettingOrder() {}

  static Comparator<Setting> of(List<ModelInfo> models) {
    Map<String, Integer> modelRank = new HashMap<>();
    Map<String, Integer> layerRank = new HashMap<>();
    for (ModelInfo model : models) {
      modelRank.putIfAbsent(model.modelId(), modelRank.size());
      for (ModelInfo.Layer layer : model.layers()) {
        layerRank.putIfAbsent(model.modelId() + "|" + layer.name(), layerRank.size());
      }
    }
    return Comparator.<Setting>comparingInt(s -> modelRank.getOrDefault(s.getModelId(), Integer.MAX_VALUE))
        .thenComparing(Setting::getModelId)
        .thenComparing(Setting::getConditioning, Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparing(Setting::getNoiseLevel, Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparingInt(s -> layerRank.getOrDefault(s.getModelId() + "|" + s.getLayer(), Integer.MAX_VALUE))
        .thenComparing(Setting::getLayer)
        .thenComparing(Setting::getPooling, Comparator.nullsFirst(Comparator.naturalOrder()));
  }
}
