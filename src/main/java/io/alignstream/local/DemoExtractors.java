package io.alignstream.local;

import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.ModelInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The demo's extractor instances (possibly several per model) and the models they run. */
final class DemoExtractors implements AutoCloseable {

  private final List<FeatureModel> models;
  private final List<ExtractorService> services;

  DemoExtractors(List<FeatureModel> models, List<ExtractorService> services) {
    this.models = List.copyOf(models);
    this.services = List.copyOf(services);
  }

  static DemoExtractors none() {
    return new DemoExtractors(List.of(), List.of());
  }

  /** One entry per distinct model id, in start order. */
  List<ModelInfo> models() {
    Map<String, ModelInfo> byId = new LinkedHashMap<>();
    services.forEach(s -> byId.putIfAbsent(s.modelInfo().modelId(), s.modelInfo()));
    return List.copyOf(byId.values());
  }

  /** Images extracted per model, summed over its instances, out of {@code images}. */
  List<ProgressView.Bar> progressBars(long images) {
    Map<String, Long> done = new LinkedHashMap<>();
    services.forEach(s -> done.merge(s.modelInfo().modelId(), s.imagesExtracted() + s.deadLetters(), Long::sum));
    List<ProgressView.Bar> bars = new ArrayList<>();
    done.forEach((model, count) -> bars.add(new ProgressView.Bar("extracted by " + model, count, images)));
    return bars;
  }

  /** The first extractor that stopped on its own, with why. */
  Optional<String> failure() {
    return services.stream()
        .filter(s -> s.failure().isPresent())
        .map(s -> "extractor of " + s.modelInfo().modelId() + " stopped: " + s.failure().get())
        .findFirst();
  }

  @Override
  public void close() {
    services.forEach(ExtractorService::close);
    models.forEach(FeatureModel::close);
  }
}
