package io.alignstream.local;

import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FleetService;
import io.alignstream.extractor.ModelInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The demo's extractor instances (possibly several per model) and the models they run; with
 * {@code --models-later}, fleet instances that load each model when it is requested.
 */
final class DemoExtractors implements AutoCloseable {

  private final List<FeatureModel> models;
  private final List<ExtractorService> services;
  private final List<FleetService> fleet;

  DemoExtractors(List<FeatureModel> models, List<ExtractorService> services, List<FleetService> fleet) {
    this.models = List.copyOf(models);
    this.services = List.copyOf(services);
    this.fleet = List.copyOf(fleet);
  }

  static DemoExtractors none() {
    return new DemoExtractors(List.of(), List.of(), List.of());
  }

  /** One entry per distinct model id, in start (or load) order. */
  List<ModelInfo> models() {
    Map<String, ModelInfo> byId = new LinkedHashMap<>();
    services.forEach(s -> byId.putIfAbsent(s.modelInfo().modelId(), s.modelInfo()));
    fleet.forEach(f -> f.models().forEach(m -> byId.putIfAbsent(m.modelId(), m)));
    return List.copyOf(byId.values());
  }

  /** The model a fleet instance loaded for a request's evaluation key, once one has. */
  Optional<ModelInfo> requestedModel(String evaluation) {
    return fleet.stream().map(f -> f.model(evaluation)).flatMap(Optional::stream).findFirst();
  }

  /**
   * Why no fleet instance will evaluate a request, if none will: it was dead-lettered, or every
   * instance found it evaluated already (a cluster kept with --data-dir).
   */
  Optional<String> rejection(String evaluation) {
    Optional<String> deadLettered = fleet.stream().flatMap(f -> f.handled().stream())
        .filter(h -> h.evaluation().equals(evaluation) && h.outcome() == FleetService.Outcome.DEAD_LETTERED)
        .map(FleetService.Handled::reason).findFirst();
    boolean evaluatedBefore = fleet.stream().allMatch(f -> f.handled().stream()
        .anyMatch(h -> h.evaluation().equals(evaluation) && h.outcome() == FleetService.Outcome.ALREADY_EVALUATED));
    return evaluatedBefore ? Optional.of("it was evaluated already in this cluster (--data-dir)") : deadLettered;
  }

  /** Images extracted per model, summed over its instances, out of {@code images}. */
  List<ProgressView.Bar> progressBars(long images) {
    Map<String, Long> done = new LinkedHashMap<>();
    services.forEach(s -> done.merge(s.modelInfo().modelId(), s.imagesExtracted() + s.deadLetters(), Long::sum));
    for (ModelInfo model : models()) {
      fleet.forEach(f -> done.merge(model.modelId(), f.imagesProcessed(model.modelId()), Long::sum));
    }
    List<ProgressView.Bar> bars = new ArrayList<>();
    done.forEach((model, count) -> bars.add(new ProgressView.Bar("extracted by " + model, count, images)));
    return bars;
  }

  /** The first extractor or fleet instance that stopped on its own, with why. */
  Optional<String> failure() {
    return Stream.concat(
        services.stream().filter(s -> s.failure().isPresent())
            .map(s -> "extractor of " + s.modelInfo().modelId() + " stopped: " + s.failure().get()),
        fleet.stream().filter(f -> f.failure().isPresent()).map(f -> "fleet instance stopped: " + f.failure().get()))
        .findFirst();
  }

  @Override
  public void close() {
    fleet.forEach(FleetService::close);
    services.forEach(ExtractorService::close);
    models.forEach(FeatureModel::close);
  }
}
