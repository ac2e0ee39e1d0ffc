package io.alignstream.producer;

import java.util.List;

/**
 * A dataset ready to publish: its images (as requests) and its human responses (as triplets).
 * Either list may be empty, e.g. a folder of images without responses.
 *
 * <pre>{@code
 * Dataset synthetic = SyntheticDataset.generate(SyntheticSpec.defaults()).dataset();
 * try (var requests = new RequestPublisher(cluster); var triplets = new TripletPublisher(cluster)) {
 *   requests.publish(synthetic, ExtractionSettings.defaults());
 *   triplets.publish(synthetic);
 * }
 * }</pre>
 *
 * @param name the dataset name carried by every record ('synthetic', 'things', ...)
 */
public record Dataset(String name, List<DatasetItem> items, List<TripletResponse> triplets) {

  public Dataset {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("dataset name must not be blank");
    }
    items = List.copyOf(items);
    triplets = List.copyOf(triplets);
  }

  /** The first {@code limit} items (all when limit <= 0), with every triplet. */
  public Dataset limitItems(int limit) {
    if (limit <= 0 || limit >= items.size()) {
      return this;
    }
    return new Dataset(name, items.subList(0, limit), triplets);
  }
}
