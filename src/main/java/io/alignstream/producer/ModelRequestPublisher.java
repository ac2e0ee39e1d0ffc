package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ModelRequests;
import io.alignstream.schema.ModelRequest;
import java.util.Map;

/** Publishes ModelRequests to the model-requests topic, keyed by their evaluation key. */
public final class ModelRequestPublisher implements AutoCloseable {

  private final TopicWriter<ModelRequest> requests;

  public ModelRequestPublisher(ClusterConfig cluster) {
    this.requests = new TopicWriter<>(cluster, ModelRequest.class, cluster.topics().modelRequests(),
        "alignstream-producer-models", Map.of());
  }

  /** Publishes one request, waits until it is written, and returns its evaluation key. */
  public String publish(ModelRequest request) {
    String key = ModelRequests.evaluationKey(request);
    requests.send(key, request);
    requests.flush();
    return key;
  }

  public String topic() {
    return requests.topic();
  }

  @Override
  public void close() {
    requests.close();
  }
}
