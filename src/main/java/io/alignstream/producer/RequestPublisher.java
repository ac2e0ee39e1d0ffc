package io.alignstream.producer;

import io.alignstream.common.Digests;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.DeadLetters;
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
 * is neither PNG nor JPEG, or is too large for a request record is not published: it goes to
 * the dead-letter topic with the reason (stage read-image or validate-image), and the run goes on.
 *
 * <pre>{@code
 * try (RequestPublisher publisher = new RequestPublisher(cluster)) {
 *   PublishReport report = publisher.publish(dataset, ExtractionSettings.defaults());
 * }
 * }</pre>
 */
public final class RequestPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RequestPublisher.class);
  /** Room for the record's other fields and Kafka's batch headers within one request. */
  static final int MAX_IMAGE_BYTES = PipelineTopics.MAX_REQUEST_BYTES - 64 * 1024;

  private final ClusterConfig cluster;
  private final TopicWriter<ExtractionRequest> requests;
  private TopicWriter<DeadLetter> deadLetters;
  private final List<String> warnings = new ArrayList<>();
  private long rejected;

  public RequestPublisher(ClusterConfig cluster) {
    this.cluster = cluster;
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
    String problem = imageProblem(image);
    if (problem != null) {
      reject(requestId, image, "validate-image", item.imageId() + ": " + problem);
      return;
    }
    requests.send(requestId, request(dataset, item, image, settings, Instant.now()));
  }

  /** Waits for every request sent since the last flush and reports them. */
  public PublishReport flush() {
    long published = requests.flush();
    if (deadLetters != null) {
      deadLetters.flush();
    }
    PublishReport report = new PublishReport(requests.topic(), published, rejected, warnings);
    rejected = 0;
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

  /** Why an image cannot be requested, or null: it must be a PNG or JPEG that fits in a request. */
  static String imageProblem(byte[] image) {
    if (image.length > MAX_IMAGE_BYTES) {
      return "image of " + image.length + " bytes exceeds the " + MAX_IMAGE_BYTES + " bytes a request can carry";
    }
    boolean png = image.length >= 8 && (image[0] & 0xff) == 0x89 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G';
    boolean jpeg = image.length >= 3 && (image[0] & 0xff) == 0xFF && (image[1] & 0xff) == 0xD8 && (image[2] & 0xff) == 0xFF;
    return png || jpeg ? null : "not a PNG or JPEG file (" + image.length + " bytes starting "
        + java.util.HexFormat.of().formatHex(image, 0, Math.min(4, image.length)) + ")";
  }

  private void reject(String requestId, byte[] image, String stage, String reason) {
    LOG.warn("not requesting {}; sent to the dead-letter topic", reason);
    if (deadLetters == null) {
      deadLetters = new TopicWriter<>(cluster, DeadLetter.class, cluster.topics().deadletter(),
          "alignstream-producer-deadletter", largeRecords());
    }
    byte[] original = image != null && image.length <= MAX_IMAGE_BYTES ? image : null;
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
