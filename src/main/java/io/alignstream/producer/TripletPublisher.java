package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.schema.TripletJudgment;

/**
 * Publishes one {@link TripletJudgment} per response to the triplets topic, keyed by the
 * response's triplet id. For files too large for memory, stream with {@link #send} and finish
 * with {@link #flush()}:
 *
 * <pre>{@code
 * reader.read(file, response -> publisher.send("things", response));
 * PublishReport report = publisher.flush();
 * }</pre>
 */
public final class TripletPublisher implements AutoCloseable {

  private final TopicWriter<TripletJudgment> triplets;

  public TripletPublisher(ClusterConfig cluster) {
    this.triplets = new TopicWriter<>(cluster, TripletJudgment.class, cluster.topics().triplets(),
        "alignstream-producer-triplets", java.util.Map.of());
  }

  /** Publishes the dataset's responses and waits until all are written. */
  public PublishReport publish(Dataset dataset) {
    return publish(dataset.name(), dataset.triplets());
  }

  public PublishReport publish(String dataset, Iterable<TripletResponse> responses) {
    for (TripletResponse response : responses) {
      send(dataset, response);
    }
    return flush();
  }

  /** Sends one response without waiting. */
  public void send(String dataset, TripletResponse response) {
    triplets.send(response.tripletId(), judgment(dataset, response));
  }

  /** Waits for every response sent since the last flush and reports them. */
  public PublishReport flush() {
    return new PublishReport(triplets.topic(), triplets.flush(), 0, java.util.List.of());
  }

  public static TripletJudgment judgment(String dataset, TripletResponse response) {
    return TripletJudgment.newBuilder()
        .setTripletId(response.tripletId())
        .setDataset(dataset)
        .setItems(response.items())
        .setOddOneOut(response.oddOneOut())
        .setSubject(response.subject())
        .build();
  }

  @Override
  public void close() {
    triplets.close();
  }
}
