package io.alignstream.extractor;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.DeadLetters;
import io.alignstream.common.ModelRequests;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.EvaluationState;
import io.alignstream.schema.ModelProgress;
import io.alignstream.schema.ModelRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code extract --fleet} instance: takes model requests, evaluates each model on every image
 * requested so far, and goes back to waiting. Several instances share the work of a model.
 *
 * <p>How the work is shared:
 * <ul>
 *   <li>Discovery: every instance reads every record of {@code model-requests} (one partition, so
 *       in request order), from its own position, kept in the group
 *       {@code alignstream-fleet-instance-<instance id>}: an instance restarted under the same id
 *       resumes where it stopped; a new one replays the history.
 *   <li>Work: an instance that takes a request up loads the model and runs an {@link ExtractorService}
 *       in the request's own consumer group {@link ModelRequests#groupId} on {@code requests}, from the
 *       earliest offset. Every instance that took the same request up joins the same group, so the
 *       group's partition assignment divides the images between them, exactly once, and an instance
 *       that dies hands its partitions to the others.
 *   <li>Done: the group is done when its committed offsets reach the end offsets of every partition
 *       of {@code requests} ({@link GroupOffsets}). Each instance checks that every
 *       {@link FleetOptions#checkInterval()}, publishes a {@code ModelProgress}, and on done leaves the
 *       group, unloads the model and takes the next request. An instance stays in the group until
 *       the whole group is done, so the partitions of a slower or dead instance are never orphaned.
 *   <li>No-op: before loading, the request's group is checked; if it is done already (an equal
 *       request was evaluated, see {@link ModelRequests}) nothing is loaded or published. Images
 *       requested after an evaluation was done are evaluated by requesting the model again: only
 *       they are computed, because the group resumes from its committed offsets.
 *   <li>Unloadable: a request that cannot be read, is invalid, or whose model cannot be opened is
 *       dead-lettered with the reason, once for the whole fleet: the dead letter and a mark (the
 *       request's offset, committed for the group {@code alignstream-fleet-rejections-<topic>})
 *       commit in one transaction under a transactional id all instances share, and an instance
 *       that finds the mark past the request writes nothing. The fleet carries on.
 * </ul>
 */
public final class FleetService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FleetService.class);
  /** The {@code service} of its dead letters and of its meters' tag (a fleet's scaling query selects on it). */
  public static final String SERVICE = "fleet";
  private static final int TRANSACTION_TRIES = 5;

  /** What an instance did with one model request. */
  public enum Outcome { EVALUATED, ALREADY_EVALUATED, DEAD_LETTERED, FAILED }

  /**
   * One model request this instance has finished with.
   *
   * @param evaluation the request's evaluation key
   * @param model the model reference as requested
   * @param outcome what was done
   * @param info the model, when it was loaded
   * @param imagesProcessed images this instance extracted or dead-lettered for it
   * @param reason why it was dead-lettered or failed
   */
  public record Handled(String evaluation, String model, Outcome outcome, ModelInfo info, long imagesProcessed,
      String reason) {}

  private final ClusterConfig cluster;
  private final FleetOptions options;
  private final TopicPartition requestsPartition;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, SpecificRecord> progress;
  private final Admin admin;
  private final AvroSerde<ModelRequest> requestSerde;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final List<Handled> handled = new CopyOnWriteArrayList<>();
  private volatile ExtractorService current;
  private volatile String currentEvaluation;
  private volatile Throwable failure;
  private Thread thread;

  public FleetService(ClusterConfig cluster, FleetOptions options) {
    this.cluster = cluster;
    this.options = options;
    String clientId = "alignstream-fleet-" + options.instanceId();
    this.requestsPartition = new TopicPartition(cluster.topics().modelRequests(), 0);
    Map<String, Object> consumerProps = cluster.consumerProperties(clientId,
        "alignstream-fleet-instance-" + options.instanceId());
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
    this.progress = new KafkaProducer<>(cluster.producerProperties(clientId + "-progress"), new StringSerializer(),
        AvroSerde.configured(SpecificRecord.class, cluster.serdeProperties(), false));
    this.admin = Admin.create(cluster.clientProperties(clientId + "-admin"));
    this.requestSerde = AvroSerde.configured(ModelRequest.class, cluster.serdeProperties(), false);
  }

  /** Runs the loop on a thread of its own. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = new Thread(this::run, "fleet-" + options.instanceId());
    thread.start();
  }

  /** Takes model requests on the calling thread until {@link #close()}. */
  public void run() {
    try {
      // Assigned, not subscribed: evaluating a model can take hours, and an assigned consumer has
      // no poll deadline; its position still lives in its group's committed offsets.
      consumer.assign(List.of(requestsPartition));
      while (stopped.getCount() > 0) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(options.extractor().pollTimeout())) {
          if (!handle(record)) {
            return; // closed mid-evaluation: the request stays uncommitted and is taken up again on restart
          }
          consumer.commitSync(Map.of(requestsPartition, new OffsetAndMetadata(record.offset() + 1)));
        }
      }
    } catch (WakeupException e) {
      if (stopped.getCount() > 0) {
        throw e;
      }
    } catch (RuntimeException e) {
      failure = e;
      log.error("fleet instance {} stopped: {}", options.instanceId(), e.toString(), e);
    } finally {
      consumer.close();
      progress.close(Duration.ofSeconds(5));
      admin.close(Duration.ofSeconds(5));
    }
  }

  /** The requests this instance has finished with, in order. */
  public List<Handled> handled() {
    return List.copyOf(handled);
  }

  /** The models this instance has loaded so far, the one it is evaluating included. */
  public List<ModelInfo> models() {
    List<ModelInfo> models = new ArrayList<>();
    handled.stream().filter(h -> h.info() != null).forEach(h -> models.add(h.info()));
    ExtractorService running = current;
    if (running != null) {
      models.add(running.modelInfo());
    }
    return models;
  }

  /** The model this instance loaded for an evaluation key, if it did. */
  public Optional<ModelInfo> model(String evaluation) {
    ExtractorService running = current;
    if (running != null && evaluation.equals(currentEvaluation)) {
      return Optional.of(running.modelInfo());
    }
    return handled.stream().filter(h -> h.evaluation().equals(evaluation) && h.info() != null)
        .map(Handled::info).findFirst();
  }

  /** Images this instance has extracted (and dead-lettered) with a model id, across its evaluations. */
  public long imagesProcessed(String modelId) {
    long done = handled.stream().filter(h -> h.info() != null && h.info().modelId().equals(modelId))
        .mapToLong(Handled::imagesProcessed).sum();
    ExtractorService running = current;
    if (running != null && running.modelInfo().modelId().equals(modelId)) {
      done += running.imagesExtracted() + running.deadLetters();
    }
    return done;
  }

  /** Why the loop stopped on its own, if it did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void close() {
    stopped.countDown();
    consumer.wakeup();
    Thread running = thread;
    if (running != null && running != Thread.currentThread()) {
      try {
        running.join(Duration.ofSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Handles one model request; false when the fleet was closed before it finished. */
  private boolean handle(ConsumerRecord<String, byte[]> record) {
    ModelRequest request;
    try {
      request = requestSerde.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      reject(record, null, "deserialize", "model request is not a readable ModelRequest: " + e.getMessage(), e);
      return true;
    }
    try {
      ModelRequests.validate(request);
    } catch (IllegalArgumentException e) {
      reject(record, request, "validate-model-request", e.getMessage(), e);
      return true;
    }
    String evaluation = ModelRequests.evaluationKey(request);
    String group = ModelRequests.groupId(request);
    if (GroupOffsets.read(admin, group, cluster.topics().requests()).done()) {
      log.info("model request {} (by {}): already evaluated by group {}; nothing to do", evaluation,
          request.getRequestedBy(), group);
      handled.add(new Handled(evaluation, request.getModel(), Outcome.ALREADY_EVALUATED, null, 0, null));
      return true;
    }
    FeatureModel model;
    try {
      model = open(request);
    } catch (RuntimeException e) {
      reject(record, request, "load-model", "cannot load model " + request.getModel() + ": " + e.getMessage(), e);
      return true;
    }
    return evaluate(evaluation, group, request, model);
  }

  /** Opens the model exactly as {@code extract --model} does, with the request's taps, pooling and dtype. */
  private FeatureModel open(ModelRequest request) {
    ModelOptions modelOptions = options.model()
        .withTaps(request.getTaps())
        .withPooling(request.getPooling())
        .withPlacement(options.model().device(), request.getDtype());
    FeatureModel model = FeatureModels.open(ModelRequests.modelArgument(request), request.getModelId(), modelOptions);
    if (request.getNoiseLevels().isEmpty() && request.getConditionings().isEmpty()) {
      return model;
    }
    return new RequestedSettings(model, request.getNoiseLevels(), request.getConditionings());
  }

  private boolean evaluate(String evaluation, String group, ModelRequest request, FeatureModel model) {
    ModelInfo info = model.info();
    log.info("fleet instance {}: evaluating {} ({} layers) for {} in group {}", options.instanceId(), info.modelId(),
        info.layers().size(), request.getRequestedBy(), group);
    try (FeatureModel opened = model;
        ExtractorService service = new ExtractorService(cluster, opened, options.extractor(), group)) {
      currentEvaluation = evaluation;
      current = service;
      service.start();
      while (true) {
        if (stopped.await(options.checkInterval().toMillis(), TimeUnit.MILLISECONDS)) {
          return false;
        }
        if (service.failure().isPresent()) {
          long images = service.imagesExtracted() + service.deadLetters();
          String reason = "extractor stopped: " + service.failure().get();
          report(evaluation, group, request, info, EvaluationState.FAILED, GroupOffsets.read(admin, group,
              cluster.topics().requests()), service, reason);
          finish(new Handled(evaluation, request.getModel(), Outcome.FAILED, info, images, reason));
          return true;
        }
        GroupOffsets offsets = GroupOffsets.read(admin, group, cluster.topics().requests());
        if (!offsets.done()) {
          report(evaluation, group, request, info, EvaluationState.EVALUATING, offsets, service, null);
          continue;
        }
        // The loop counts a poll's images once its commit returns, which can be after the offsets
        // read above: stop it first, so that its last commit is counted too.
        service.close();
        report(evaluation, group, request, info, EvaluationState.DONE, offsets, service, null);
        long images = service.imagesExtracted() + service.deadLetters();
        log.info("fleet instance {}: {} done ({} images here, {} request offsets in all); unloading",
            options.instanceId(), info.modelId(), images, offsets.end());
        finish(new Handled(evaluation, request.getModel(), Outcome.EVALUATED, info, images, null));
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      current = null;
      currentEvaluation = null;
    }
  }

  /** Records an evaluation as finished; it no longer counts as current (closing its service takes a while). */
  private void finish(Handled evaluation) {
    current = null;
    currentEvaluation = null;
    handled.add(evaluation);
  }

  private void report(String evaluation, String group, ModelRequest request, ModelInfo info, EvaluationState state,
      GroupOffsets offsets, ExtractorService service, String reason) {
    ModelProgress report = ModelProgress.newBuilder()
        .setEvaluation(evaluation)
        .setModel(request.getModel())
        .setModelId(info.modelId())
        .setGroup(group)
        .setState(state)
        .setConsumedOffsets(offsets.consumed())
        .setEndOffsets(offsets.end())
        .setImagesExtracted(service.imagesExtracted())
        .setDeadLetters(service.deadLetters())
        .setReason(reason)
        .setInstance(options.instanceId())
        .setRequestedBy(request.getRequestedBy())
        .setUpdatedAt(Instant.now())
        .build();
    progress.send(new ProducerRecord<>(cluster.topics().modelProgress(), evaluation, report), (metadata, e) -> {
      if (e != null) {
        log.warn("could not publish the progress of {}: {}", evaluation, e.toString());
      }
    });
  }

  /**
   * Dead-letters a model request once for the whole fleet (see the class comment), and records
   * that this instance is done with it.
   */
  private void reject(ConsumerRecord<String, byte[]> record, ModelRequest request, String stage, String reason,
      Throwable cause) {
    String evaluation = request == null ? String.valueOf(record.key()) : ModelRequests.evaluationKey(request);
    handled.add(new Handled(evaluation, request == null ? null : request.getModel(), Outcome.DEAD_LETTERED, null, 0,
        reason));
    String marks = "alignstream-fleet-rejections-" + record.topic();
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    DeadLetter letter = DeadLetters.of(SERVICE, stage, reason, cause, record.topic(), record.partition(),
        record.offset(), key, record.value(), options.instanceId());
    Map<String, Object> props = cluster.producerProperties("alignstream-fleet-" + options.instanceId() + "-rejections");
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, marks);
    for (int attempt = 1; ; attempt++) {
      try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(props, new StringSerializer(),
          AvroSerde.configured(SpecificRecord.class, cluster.serdeProperties(), false))) {
        // Fences any other instance rejecting at this moment, and completes its transaction first.
        producer.initTransactions();
        OffsetAndMetadata mark = GroupOffsets.committed(admin, marks).get(requestsPartition);
        if (mark != null && mark.offset() > record.offset()) {
          log.warn("model request {} rejected here too ({}: {}); another instance has dead-lettered it already",
              evaluation, stage, reason);
          return;
        }
        log.warn("dead-lettering model request {} at {}: {}", evaluation, stage, reason);
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(cluster.topics().deadletter(), record.key(), letter));
        producer.sendOffsetsToTransaction(Map.of(requestsPartition, new OffsetAndMetadata(record.offset() + 1)),
            new ConsumerGroupMetadata(marks));
        producer.commitTransaction();
        return;
      } catch (KafkaException e) {
        // Another instance took the shared transactional id over: fenced at our next call, or (when
        // its takeover lands between our send and our commit) the old epoch refused, or the broker
        // failed the commit while the takeover completed it ("unexpected error" in EndTxnResponse).
        // Either way this transaction's outcome is settled by the next initTransactions, which
        // fences it and completes or aborts it; the mark read after it says whether to write again.
        if (attempt == TRANSACTION_TRIES) {
          throw new IllegalStateException("could not dead-letter model request " + evaluation + " after "
              + attempt + " tries: " + e.getMessage(), e);
        }
        log.info("dead-lettering model request {}: try {} failed ({}); trying again", evaluation, attempt,
            e.toString());
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot read the rejection marks of " + marks + ": "
            + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while dead-lettering model request " + evaluation, e);
      }
    }
  }
}
