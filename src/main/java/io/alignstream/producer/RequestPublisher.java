package io.alignstream.producer;

import io.alignstream.common.Digests;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.DeadLetters;
import io.alignstream.common.InputLimits;
import io.alignstream.common.PipelineTopics;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one {@link ExtractionRequest} per image to the requests topic, keyed by
 * {@code imageId@settingsDigest}, with the encoded image inline. An image that cannot be read,
 * is in no format the extractors decode, declares more pixels than {@code --max-image-pixels}
 * (read from its header) or is too large for a request record is not published: it goes to the
 * dead-letter topic with the reason (stage read-image or validate-image), and the run goes on.
 *
 * <p>Publishing is idempotent: a request already on the topic with the same content (every
 * field but {@code created_at}, see {@link PublishedRequests}) is not sent again, so running
 * the same command twice makes no extractor work twice. {@code force} sends everything.
 *
 * <pre>{@code
 * try (RequestPublisher publisher = new RequestPublisher(cluster)) {
 *   PublishReport report = publisher.publish(dataset, ExtractionSettings.defaults());
 * }
 * }</pre>
 */
public final class RequestPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RequestPublisher.class);

  private final ClusterConfig cluster;
  private final InputLimits limits;
  private final PublishedRequests published;
  private final TopicWriter<ExtractionRequest> requests;
  private TopicWriter<DeadLetter> deadLetters;
  private final List<String> warnings = new ArrayList<>();
  private long rejected;
  private long unchanged;

  /** A publisher with the default limits that skips requests already published. */
  public RequestPublisher(ClusterConfig cluster) {
    this(cluster, InputLimits.defaults(), false);
  }

  /**
   * @param force send every request, also those already on the topic with the same content
   */
  public RequestPublisher(ClusterConfig cluster, InputLimits limits, boolean force) {
    this.cluster = cluster;
    this.limits = limits;
    this.published = force ? null : PublishedRequests.read(cluster);
    this.requests = new TopicWriter<>(cluster, ExtractionRequest.class, cluster.topics().requests(),
        "alignstream-producer-requests", largeRecords());
  }

  /** Publishes every item of the dataset and waits until all are written. */
  public PublishReport publish(Dataset dataset, ExtractionSettings settings) {
    return publish(dataset.name(), dataset.items(), settings);
  }

  public PublishReport publish(String dataset, Iterable<DatasetItem> items, ExtractionSettings settings) {
    for (DatasetItem item : items) {
      send(dataset, item, settings);
    }
    return flush();
  }

  /** Sends one request without waiting; {@link #flush()} waits and reports. */
  public void send(String dataset, DatasetItem item, ExtractionSettings settings) {
    String requestId = settings.requestId(item.imageId());
    byte[] image;
    try {
      image = item.imageBytes();
    } catch (InvalidInputException e) {
      // One unreadable file should not stop a folder of thousands; it is recorded instead.
      reject(requestId, null, "read-image", e.getMessage());
      return;
    }
    try {
      limits.checkImage(image, item.imageId());
    } catch (InputLimits.RejectedImageException e) {
      reject(requestId, image, "validate-image", e.getMessage());
      return;
    }
    ExtractionRequest request = request(dataset, item, image, settings, Instant.now());
    if (published != null && published.contains(requestId, request)) {
      unchanged++;
      return;
    }
    requests.send(requestId, request);
  }

  /** Waits for every request sent since the last flush and reports them. */
  public PublishReport flush() {
    long published = requests.flush();
    if (deadLetters != null) {
      deadLetters.flush();
    }
    PublishReport report = new PublishReport(requests.topic(), published, rejected, unchanged, warnings);
    rejected = 0;
    unchanged = 0;
    warnings.clear();
    return report;
  }

  /** The request record for one image; the request id is {@code imageId@digest}. */
  public static ExtractionRequest request(String dataset, DatasetItem item, byte[] image,
      ExtractionSettings settings, Instant createdAt) {
    return ExtractionRequest.newBuilder()
        .setRequestId(settings.requestId(item.imageId()))
        .setDataset(dataset)
        .setItemId(item.itemId())
        .setImageId(item.imageId())
        .setConcept(item.concept())
        .setImage(ByteBuffer.wrap(image))
        .setImageSha256(Digests.sha256Hex(image))
        .setNoiseLevels(settings.noiseLevels())
        .setTimesteps(settings.timesteps())
        .setConditionings(settings.conditionings())
        .setSeed(settings.seed())
        .setResolution(settings.resolution())
        .setLatent(settings.latent())
        .setSettingsDigest(settings.digest())
        .setCreatedAt(createdAt)
        .build();
  }

  private void reject(String requestId, byte[] image, String stage, String reason) {
    LOG.warn("not requesting {}; sent to the dead-letter topic", reason);
    if (deadLetters == null) {
      deadLetters = new TopicWriter<>(cluster, DeadLetter.class, cluster.topics().deadletter(),
          "alignstream-producer-deadletter", largeRecords());
    }
    byte[] original = image != null && image.length <= limits.maxImageBytes() ? image : null;
    deadLetters.send(requestId, DeadLetters.of("producer", stage,
        reason + (image != null && original == null ? " (image bytes left out of this record)" : ""), null,
        requests.topic(), -1, -1, requestId.getBytes(StandardCharsets.UTF_8), original, instance()));
    rejected++;
    warnings.add(reason);
  }

  private static Map<String, Object> largeRecords() {
    return Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, PipelineTopics.MAX_REQUEST_BYTES);
  }

  static String instance() {
    return "producer@" + ProcessHandle.current().pid();
  }

  @Override
  public void close() {
    requests.close();
    if (deadLetters != null) {
      deadLetters.close();
    }
  }
}
