package io.alignstream.extractor;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.DeadLetters;
import io.alignstream.common.ErrorText;
import io.alignstream.common.InputLimits;
import io.alignstream.common.PipelineTopics;
import io.alignstream.common.RequestRules;
import io.alignstream.common.SettingKey;
import io.alignstream.common.registry.SchemaRegistryException;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.LayerInfo;
import io.alignstream.schema.ModelCard;
import io.alignstream.schema.Setting;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-extract-produce loop of one extractor instance, exactly once: each poll's
 * embeddings, dead letters and consumed offsets commit in one Kafka transaction. The consumer
 * group is {@code alignstream-extractor-<model id>} and starts from the earliest request, so a
 * new model evaluates all history and more instances of a model share its requests.
 *
 * <p>A request that cannot be read, decoded or embedded becomes a dead letter with the reason,
 * and the loop carries on: whatever one record throws while it is read, checked or decoded
 * (including running out of memory or stack on it) is that record's dead letter, never a
 * stopped loop that would replay it forever. Requests are bounded before any work ({@link
 * InputLimits}: record bytes, image pixels from the header) and checked by {@link RequestRules}.
 * A batch the model fails on (a device out of memory among others) is halved and retried, down
 * to single images, so that only an image that fails alone is dead-lettered.
 *
 * <p>Stages overlap (docs/architecture.md, "The extract loop"): the network runs on a thread of
 * its own, so while it extracts poll k the loop commits poll k - 1 and polls, decodes and
 * prepares poll k + 1 ({@link StagedFeatureModel}). Transactions stay one after another, in poll
 * order; a rebalance first commits the poll in flight ({@link CommitBeforeRebalance}), and a
 * failed transaction drops the poll behind it too, both read again from the last commit.
 */
public final class ExtractorService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExtractorService.class);
  private static final String SERVICE = "extractor";
  private static final int MAX_ORIGINAL_BYTES = PipelineTopics.MAX_REQUEST_BYTES - InputLimits.REQUEST_OVERHEAD_BYTES;
  /** Fetch room per image of a poll: a photo's request is 0.05-0.5 MB. */
  private static final long FETCH_BYTES_PER_IMAGE = 1L << 20;
  /** Producer batch size for embeddings (Kafka's default is 16 KB). */
  private static final int EMBEDDING_BATCH_BYTES = 256 << 10;
  /** How long one poll waits while a poll is in the network (the loop checks in between whether it is through). */
  private static final Duration SHORT_POLL = Duration.ofMillis(5);

  private final ClusterConfig cluster;
  private final FeatureModel model;
  private final ModelInfo info;
  private final ExtractorOptions options;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, SpecificRecord> producer;
  private final AvroSerde<ExtractionRequest> requestSerde;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong imagesExtracted = new AtomicLong();
  private final AtomicLong embeddingsPublished = new AtomicLong();
  private final AtomicLong deadLetters = new AtomicLong();
  private final ExtractorMeters meters;
  private final Instant startedAt = Instant.now();
  private final Stages stages;
  /** The poll whose network runs (or waits to) while the loop reads the next; loop thread only. */
  private Poll inFlight;
  /**
   * Whether the last committed poll's reading and preparation, as on one thread, took under a
   * quarter of its network time: then the next poll is prepared on the loop's thread alone while
   * the network runs (see {@link #read}); loop thread only.
   */
  private boolean prepareAlone;
  /** Set by the rebalance listener when the poll in flight could not commit; loop thread only. */
  private boolean rewindAfterPoll;
  private Thread thread;
  private volatile Throwable failure;
  /** Told each committed poll's times and requests (bench extractor draws its timeline from them). */
  private volatile ObjIntConsumer<ExtractorMeters.PollTimes> pollObserver = (times, requests) -> {};

  public ExtractorService(ClusterConfig cluster, FeatureModel model, ExtractorOptions options) {
    this(cluster, model, options, groupId(model.info().modelId()));
  }

  /** An instance in the consumer group {@code groupId} (the fleet runs one group per model request). */
  public ExtractorService(ClusterConfig cluster, FeatureModel model, ExtractorOptions options, String groupId) {
    this.cluster = cluster;
    this.model = model;
    this.info = model.info();
    this.stages = Stages.of(model);
    this.options = options;
    String clientId = "alignstream-extractor-" + info.modelId() + "-" + options.instanceId();

    Map<String, Object> consumerProps = cluster.consumerProperties(clientId, groupId);
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, options.imagesPerTransaction());
    // Room for a whole poll of photos: with Kafka's 1 MiB per partition a fetch held about five
    // 200 KB images, so polls (and batches, and transactions) stayed far below the size asked for.
    consumerProps.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        (int) Math.min(FETCH_BYTES_PER_IMAGE * options.imagesPerTransaction(), ConsumerConfig.DEFAULT_FETCH_MAX_BYTES));
    consumerProps.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) options.maxPollInterval().toMillis());
    // Recovery time: a killed instance's partitions move after the session timeout, and a static
    // member restarted in place takes its partitions back without a rebalance.
    consumerProps.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) options.sessionTimeout().toMillis());
    consumerProps.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) options.sessionTimeout().toMillis() / 5);
    if (options.staticMembership()) {
      consumerProps.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, clientId);
    }
    this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());

    Map<String, Object> producerProps = cluster.producerProperties(clientId);
    producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, clientId);
    producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, PipelineTopics.MAX_REQUEST_BYTES);
    // One batch per partition for a poll's embeddings: a layer's record is several KB (a 2,048-wide
    // vector is 8 KB), so Kafka's 16 KB batches sent a poll as hundreds of requests, five in flight.
    producerProps.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, EMBEDDING_BATCH_BYTES);
    // A transaction spans only sending a batch's outputs and committing (extraction runs
    // before it opens). The new owner of a dead instance's partitions waits for its open
    // transaction to end, so the broker aborts it after the session timeout, not Kafka's 60 s.
    producerProps.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) options.sessionTimeout().toMillis());
    AvroSerde<SpecificRecord> valueSerde = AvroSerde.configured(SpecificRecord.class, cluster.serdeProperties(), false);
    this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), valueSerde);
    this.requestSerde = AvroSerde.configured(ExtractionRequest.class, cluster.serdeProperties(), false);
    this.meters = new ExtractorMeters(info.modelId(), options.instanceId(), consumer, producer);
  }

  /** The consumer group all instances of one model share. */
  public static String groupId(String modelId) {
    return "alignstream-extractor-" + modelId;
  }

  /**
   * Tells {@code observer} when each committed poll passed each point of the loop, and how many
   * requests it held (on the loop's thread, after the commit).
   */
  void observePolls(ObjIntConsumer<ExtractorMeters.PollTimes> observer) {
    pollObserver = observer;
  }

  /** Runs the loop on a thread of its own. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = new Thread(this::run, "extractor-" + info.modelId() + "-" + options.instanceId());
    thread.start();
  }

  /** Runs the loop on the calling thread until {@link #close()}. */
  public void run() {
    ExecutorService networkThread = Executors.newSingleThreadExecutor(
        task -> new Thread(task, "extractor-" + info.modelId() + "-" + options.instanceId() + "-network"));
    try {
      producer.initTransactions();
      publishModelCard();
      consumer.subscribe(Set.of(cluster.topics().requests()), new CommitBeforeRebalance());
      while (running.get()) {
        ConsumerRecords<String, byte[]> records = poll();
        long polled = System.nanoTime();
        meters.queueDepth(waitingRequests());
        if (rewindAfterPoll) {
          // The rebalance listener could not commit the poll in flight: read it again, and
          // whatever this poll returned after it.
          rewindAfterPoll = false;
          rewindToCommitted();
          continue;
        }
        Poll next = null;
        if (!records.isEmpty()) {
          try {
            next = read(records, polled);
          } catch (RegistryUnavailableException e) {
            // Not a record's fault: commit what is in flight, then read this poll again once the registry answers.
            log.warn("schema registry unavailable ({}); re-reading from the last commit", e.getCause().getMessage());
            finishInFlight();
            rewindToCommitted();
            pause(options.pollTimeout());
            continue;
          }
          Poll submitted = next;
          // The network thread takes it as soon as the poll before it is through the network.
          submitted.extracted = networkThread.submit(() -> extract(submitted));
        }
        Poll previous = inFlight;
        inFlight = next;
        if (previous != null && !commit(previous)) {
          // Re-read from the last commit: the next poll's work, done on top of the lost one, goes too.
          discardInFlight();
          rewindToCommitted();
        }
      }
      finishInFlight();
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
      finishInFlight();
    } catch (ProducerFencedException e) {
      failure = e;
      log.error("extractor {} was fenced by another instance with the same transactional id; stopping",
          options.instanceId());
    } catch (RuntimeException e) {
      failure = e;
      log.error("extractor {} stopped: {}", options.instanceId(), e.toString(), e);
    } finally {
      // A poll still in flight here failed with the loop: uncommitted, it is read again by whoever
      // owns its partitions next.
      discardInFlight();
      networkThread.shutdown();
      meters.close();
      // Leave the group even as a static member: a stopped instance's partitions move at once.
      consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      producer.close(Duration.ofSeconds(5));
    }
  }

  /**
   * The next poll. With a poll in the network, polls briefly until requests come or the network is
   * through, so an idle topic does not hold that poll's commit back for a whole poll timeout.
   */
  private ConsumerRecords<String, byte[]> poll() {
    if (inFlight == null) {
      return consumer.poll(options.pollTimeout());
    }
    ConsumerRecords<String, byte[]> records;
    do {
      records = consumer.poll(SHORT_POLL);
    } while (records.isEmpty() && inFlight != null && !inFlight.extracted.isDone() && running.get());
    return records;
  }

  /**
   * Commits the poll in flight before a rebalance takes its partitions: once they move, its
   * offsets may no longer be committed (the new owner reads them again). Runs inside {@code
   * consumer.poll}, on the loop's thread, before the poll returns anything new.
   */
  private final class CommitBeforeRebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      Poll poll = inFlight;
      inFlight = null;
      if (poll != null && !commit(poll)) {
        rewindAfterPoll = true;
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // The partitions are gone already (the session expired): the poll's offsets cannot commit.
      if (inFlight != null) {
        discardInFlight();
        rewindAfterPoll = true;
      }
    }
  }

  /** Commits the poll in flight, if any (the loop is stopping, or must re-read). */
  private void finishInFlight() {
    Poll poll = inFlight;
    inFlight = null;
    if (poll != null) {
      commit(poll);
    }
  }

  /** Waits for the poll in flight to leave the network and drops it, uncommitted. */
  private void discardInFlight() {
    Poll poll = inFlight;
    inFlight = null;
    if (poll != null) {
      try {
        poll.extracted.get();
      } catch (ExecutionException e) {
        log.warn("dropping a poll whose extraction failed: {}", e.getCause().toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Requests waiting in this instance's partitions, as of the last poll (no broker round trip). */
  private long waitingRequests() {
    long waiting = 0;
    for (TopicPartition partition : consumer.assignment()) {
      waiting += consumer.currentLag(partition).orElse(0);
    }
    return waiting;
  }

  public long imagesExtracted() {
    return imagesExtracted.get();
  }

  public long embeddingsPublished() {
    return embeddingsPublished.get();
  }

  public long deadLetters() {
    return deadLetters.get();
  }

  /** Requests waiting in this instance's partitions after its last poll. */
  public long queueDepth() {
    return meters.queueDepth();
  }

  /** Why the loop stopped on its own, if it did (fenced, unreachable cluster, ...). */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  public ModelInfo modelInfo() {
    return info;
  }

  public String instanceId() {
    return options.instanceId();
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    Thread current = thread;
    if (current != null && current != Thread.currentThread()) {
      try {
        current.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    meters.close(); // idempotent; the loop closes them too, but an instance may never have run
  }

  /**
   * One poll on its way: read and prepared on the loop's thread, through the network and into
   * embedding records on the network thread, committed on the loop's thread. The network thread
   * adds to {@code outputs} only between the submit and the end of {@code extracted}, which
   * the loop awaits before it reads them.
   */
  private static final class Poll {
    final ConsumerRecords<String, byte[]> records;
    final List<ConsumerRecord<String, byte[]>> accepted = new ArrayList<>();
    final List<ExtractionRequest> requests = new ArrayList<>();
    final List<Object> prepared = new ArrayList<>();
    final List<ProducerRecord<String, SpecificRecord>> outputs = new ArrayList<>();
    final long polled;
    long read;
    long ready;
    long networkStart;
    long networkEnd;
    /** Whether its images were decoded and prepared on the common pool too. */
    boolean parallel;
    int letters;
    Future<Integer> extracted;

    Poll(ConsumerRecords<String, byte[]> records, long polled) {
      this.records = records;
      this.polled = polled;
    }
  }

  /**
   * Reads a poll's requests (Avro, checks), decodes their images, then prepares them for the
   * network (the model's preprocessing). A request that fails any step is dead-lettered.
   *
   * <p>Images are decoded and prepared in parallel, on the common pool's threads and this one,
   * unless a poll is in the network and the last poll's reading and preparation, counted as on
   * one thread, took under a quarter of its network time ({@link #prepareAlone}): then on this
   * thread alone, which still finishes well before the network and leaves the other cores to it
   * (a CPU host's network uses them; docs/benchmarks.md, the extract loop's overhead). A fast
   * network (a GPU's) keeps the parallel preparation it waits for.
   *
   * @throws RegistryUnavailableException when the schema registry fails (the poll is read again)
   */
  private Poll read(ConsumerRecords<String, byte[]> records, long polled) {
    Poll poll = new Poll(records, polled);
    List<ConsumerRecord<String, byte[]>> readable = new ArrayList<>();
    List<ExtractionRequest> requests = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        requests.add(read(record));
        readable.add(record);
      } catch (InvalidRequestException e) {
        poll.outputs.add(deadLetter(record, e.stage, e.getMessage(), e.getCause()));
        poll.letters++;
      } catch (RegistryUnavailableException e) {
        throw e;
      } catch (Exception | OutOfMemoryError | StackOverflowError e) {
        // Whatever else one record causes is that record's problem; the two Errors a single
        // input can provoke are included (other Errors mean the JVM itself is broken).
        poll.outputs.add(deadLetter(record, "read-request", "reading the request failed: " + ErrorText.describe(e), e));
        poll.letters++;
      }
    }
    poll.parallel = !prepareAlone || inFlight == null || inFlight.extracted.isDone();
    List<ImageInput> images = each(readable, requests, this::toInput, poll.parallel, "read-request",
        "reading the request failed: ", poll);
    poll.read = System.nanoTime();
    List<Object> prepared = each(readable, images, stages.prepare(), poll.parallel, "prepare-image",
        "preparing the image for the model failed: ", poll);
    for (int i = 0; i < readable.size(); i++) {
      if (prepared.get(i) != null) {
        poll.accepted.add(readable.get(i));
        poll.requests.add(requests.get(i));
        poll.prepared.add(prepared.get(i));
      }
    }
    poll.ready = System.nanoTime();
    return poll;
  }

  /**
   * {@code step} on each record's input, in parallel or on this thread; a null input (its record
   * failed an earlier step) stays null, and a record the step fails on gets its dead letter and a
   * null here.
   */
  @SuppressWarnings("unchecked") // results holds only what step returned
  private <I, O> List<O> each(List<ConsumerRecord<String, byte[]>> records, List<I> inputs,
      Function<? super I, ? extends O> step, boolean parallel, String stage, String failing, Poll poll) {
    Object[] results = new Object[records.size()];
    Throwable[] failures = new Throwable[records.size()];
    IntStream indexes = IntStream.range(0, records.size());
    (parallel ? indexes.parallel() : indexes).filter(i -> inputs.get(i) != null).forEach(i -> {
      try {
        results[i] = step.apply(inputs.get(i));
      } catch (Exception | OutOfMemoryError | StackOverflowError e) {
        failures[i] = e;
      }
    });
    for (int i = 0; i < records.size(); i++) {
      Throwable e = failures[i];
      if (e instanceof InvalidRequestException invalid) {
        poll.outputs.add(deadLetter(records.get(i), invalid.stage, invalid.getMessage(), invalid.getCause()));
        poll.letters++;
      } else if (e != null) {
        poll.outputs.add(deadLetter(records.get(i), stage, failing + ErrorText.describe(e), e));
        poll.letters++;
      }
    }
    return (List<O>) Arrays.asList(results);
  }

  /**
   * The network on a poll's prepared images, into embedding records (on the network thread);
   * returns the images extracted.
   */
  private int extract(Poll poll) {
    poll.networkStart = System.nanoTime();
    int extracted = extract(poll.accepted, poll.requests, poll.prepared, poll.outputs);
    poll.letters += poll.prepared.size() - extracted;
    poll.networkEnd = System.nanoTime();
    return extracted;
  }

  /**
   * Waits for the poll's network, then commits its embeddings, dead letters and offsets in one
   * transaction; false if the transaction failed (aborted: the caller re-reads from the last
   * commit). Extraction runs BEFORE the transaction opens: a large model on CPU can take minutes
   * per batch, and an open transaction is aborted by the broker after transaction.timeout.ms;
   * the poll interval alone bounds it. Transactions follow one another: the next begins only
   * after this one's commit returned.
   */
  private boolean commit(Poll poll) {
    int extracted = await(poll);
    long start = System.nanoTime();
    producer.beginTransaction();
    try {
      poll.outputs.forEach(producer::send);
      producer.sendOffsetsToTransaction(nextOffsets(poll.records), consumer.groupMetadata());
      producer.commitTransaction();
    } catch (ProducerFencedException | AuthorizationException e) {
      throw e;
    } catch (KafkaException e) {
      // The transaction is lost: abort it; the caller re-reads from the last committed offsets.
      log.warn("transaction failed ({}); aborting and re-reading from the last commit", e.toString());
      producer.abortTransaction();
      return false;
    }
    long committed = System.nanoTime();
    ExtractorMeters.PollTimes times = new ExtractorMeters.PollTimes(poll.polled, poll.read, poll.ready,
        poll.networkStart, poll.networkEnd, start, committed);
    meters.poll(times, poll.records.count(), extracted);
    long preparing = (poll.ready - poll.polled) * (poll.parallel ? ForkJoinPool.getCommonPoolParallelism() + 1 : 1);
    prepareAlone = 4 * preparing < poll.networkEnd - poll.networkStart;
    pollObserver.accept(times, poll.records.count());
    // The counters last: whoever waits for them (the bench) then finds this poll's meters and times too.
    embeddingsPublished.addAndGet(poll.outputs.size() - poll.letters);
    deadLetters.addAndGet(poll.letters);
    imagesExtracted.addAndGet(extracted);
    return true;
  }

  /** The images a poll's network extracted, once it is through. */
  private static int await(Poll poll) {
    try {
      return poll.extracted.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the network", e);
    } catch (ExecutionException e) {
      // extract turns every failure of an image into its dead letter: what reaches here broke the JVM.
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("the network thread failed", e.getCause());
    }
  }

  /**
   * Extracts the batch into {@code outputs} and returns how many images succeeded. If the model
   * fails on the batch (a device out of memory, one bad image), each half is retried on its own,
   * down to single images: only an image that fails alone is dead-lettered.
   */
  private int extract(List<ConsumerRecord<String, byte[]>> records, List<ExtractionRequest> requests,
      List<Object> inputs, List<ProducerRecord<String, SpecificRecord>> outputs) {
    if (inputs.isEmpty()) {
      return 0;
    }
    try {
      List<Feature> features = stages.network().apply(inputs);
      return publishable(records, requests, features, outputs);
    } catch (Exception | OutOfMemoryError | StackOverflowError batchFailure) {
      if (inputs.size() == 1) {
        outputs.add(deadLetter(records.get(0), "extract", ErrorText.describe(batchFailure), batchFailure));
        return 0;
      }
      int half = inputs.size() / 2;
      log.warn("batch of {} images failed ({}); retrying as batches of {} and {}", inputs.size(),
          batchFailure.toString(), half, inputs.size() - half);
      return extract(records.subList(0, half), requests.subList(0, half), inputs.subList(0, half), outputs)
          + extract(records.subList(half, records.size()), requests.subList(half, requests.size()),
              inputs.subList(half, inputs.size()), outputs);
    }
  }

  /**
   * Adds the embeddings of each image to {@code outputs}, or a dead letter for an image with a
   * vector longer than the limit (the embeddings topic could not take it, and a record it
   * refuses would abort every retry of the transaction); returns the images published.
   */
  private int publishable(List<ConsumerRecord<String, byte[]>> records, List<ExtractionRequest> requests,
      List<Feature> features, List<ProducerRecord<String, SpecificRecord>> outputs) {
    Map<Integer, String> refused = new HashMap<>();
    for (Feature feature : features) {
      String problem = options.limits().vectorDimProblem(feature.vector().length);
      if (problem != null) {
        refused.putIfAbsent(feature.imageIndex(), "layer " + feature.layer() + " gives a vector of " + problem);
      }
    }
    refused.forEach((image, reason) -> outputs.add(deadLetter(records.get(image), "validate-embedding", reason, null)));
    outputs.addAll(embeddings(requests, features.stream().filter(f -> !refused.containsKey(f.imageIndex())).toList()));
    return requests.size() - refused.size();
  }

  private List<ProducerRecord<String, SpecificRecord>> embeddings(List<ExtractionRequest> requests,
      List<Feature> features) {
    Instant now = Instant.now();
    ModelOrigin.FileFormat format = info.origin().format();
    List<ProducerRecord<String, SpecificRecord>> records = new ArrayList<>(features.size());
    for (Feature feature : features) {
      ExtractionRequest request = requests.get(feature.imageIndex());
      Setting setting = feature.setting(info.modelId());
      List<Float> vector = new ArrayList<>(feature.vector().length);
      for (float v : feature.vector()) {
        vector.add(v);
      }
      boolean diffusion = info.usesNoise();
      LayerEmbedding embedding = LayerEmbedding.newBuilder()
          .setSetting(setting)
          .setItemId(request.getItemId())
          .setImageId(request.getImageId())
          .setRequestId(request.getRequestId())
          .setVector(vector)
          .setDim(vector.size())
          .setPooling(feature.pooling() != null ? feature.pooling() : info.pooling())
          .setPrompt(feature.prompt())
          .setSeed(request.getSeed())
          .setLatent(diffusion ? request.getLatent() : null)
          .setResolution(diffusion ? request.getResolution() : 0)
          .setConfigDigest(info.configDigest())
          .setWeightsDigest(info.weightsDigest())
          .setSource("extractor:" + options.instanceId())
          .setComputedAt(now)
          .setDtype(info.dtype())
          .setHubRepo(info.origin().hubRepo())
          .setHubCommit(info.origin().hubCommit())
          .setFileSha256(info.origin().fileSha256())
          .setModelFormat(format == null ? null : format.name())
          .setOnnxOpset(format == null ? null : format.opset())
          .setOnnxProducer(format == null ? null : format.producer())
          .build();
      records.add(new ProducerRecord<>(cluster.topics().embeddings(), SettingKey.of(setting), embedding));
    }
    return records;
  }

  /** The request in a record, within the size limit and with valid settings. */
  private ExtractionRequest read(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      throw new InvalidRequestException("deserialize", "request record '" + record.key() + "' has no value (a "
          + "tombstone); embeddings cannot be withdrawn, so there is nothing to extract", null);
    }
    String tooLarge = options.limits().requestSizeProblem(record.value().length);
    if (tooLarge != null) {
      throw new InvalidRequestException("validate-request", tooLarge, null);
    }
    ExtractionRequest request;
    try {
      request = requestSerde.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      if (e.getCause() instanceof SchemaRegistryException registry && registry.httpStatus() >= 500) {
        throw new RegistryUnavailableException(registry);
      }
      throw new InvalidRequestException("deserialize", "value is not an ExtractionRequest: " + e.getMessage(), e);
    }
    try {
      RequestRules.check(request);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("validate-request", e.getMessage(), e);
    }
    return request;
  }

  private ImageInput toInput(ExtractionRequest request) {
    byte[] bytes = new byte[request.getImage().remaining()];
    request.getImage().duplicate().get(bytes);
    BufferedImage image;
    try {
      image = options.limits().decode(bytes, "image " + request.getImageId());
    } catch (InputLimits.RejectedImageException e) {
      throw new InvalidRequestException("decode-image", e.getMessage(), e);
    } catch (OutOfMemoryError e) {
      throw new InvalidRequestException("decode-image", "image " + request.getImageId() + " (" + bytes.length
          + " bytes) ran out of memory while decoding; lower --max-image-pixels or give the extractor more heap", e);
    }
    return new ImageInput(request.getItemId(), request.getConcept(), image, request.getNoiseLevels(),
        request.getTimesteps(), request.getConditionings(), request.getSeed(), request.getResolution(),
        request.getLatent());
  }

  private ProducerRecord<String, SpecificRecord> deadLetter(
      ConsumerRecord<String, byte[]> record, String stage, String reason, Throwable cause) {
    log.warn("dead-lettering request {} at {}: {}", record.key(), stage, reason);
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    // The dead-letter topic takes records up to the requests topic's size; a larger original stays out.
    byte[] original = record.value() != null && record.value().length <= MAX_ORIGINAL_BYTES ? record.value() : null;
    String why = (reason == null ? String.valueOf(cause) : reason)
        + (original == null && record.value() != null ? " (the original " + record.value().length
            + " bytes are left out of this record)" : "");
    DeadLetter letter = DeadLetters.of(SERVICE, stage, why, cause, record.topic(), record.partition(), record.offset(),
        key, original, options.instanceId());
    return new ProducerRecord<>(cluster.topics().deadletter(), record.key(), letter);
  }

  private void publishModelCard() {
    ModelOrigin.FileFormat format = info.origin().format();
    List<LayerInfo> layers = info.layers().stream()
        .map(l -> LayerInfo.newBuilder().setName(l.name()).setPath(l.path()).setDim(l.dim()).setPooling(l.pooling())
            .build())
        .toList();
    ModelCard card = ModelCard.newBuilder()
        .setModelId(info.modelId())
        .setKind(info.kind())
        .setSource(info.source())
        .setLayers(layers)
        .setUsesNoise(info.usesNoise())
        .setUsesText(info.usesText())
        .setPooling(info.pooling())
        .setDevice(info.device())
        .setDtype(info.dtype())
        .setConfigDigest(info.configDigest())
        .setWeightsDigest(info.weightsDigest())
        .setProperties(new HashMap<>(info.properties()))
        .setInstance(options.instanceId())
        .setStartedAt(startedAt)
        .setOrigin(info.origin().kind())
        .setHubRepo(info.origin().hubRepo())
        .setHubRevision(info.origin().hubRevision())
        .setHubCommit(info.origin().hubCommit())
        .setFileSha256(info.origin().fileSha256())
        .setWeightFiles(new HashMap<>(info.origin().fileDigests()))
        .setVariant(info.origin().variant())
        .setModelFormat(format == null ? null : format.name())
        .setOnnxOpset(format == null ? null : format.opset())
        .setOnnxProducer(format == null ? null : format.producer())
        .build();
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(cluster.topics().models(), info.modelId(), card));
    producer.commitTransaction();
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<String, byte[]>> list = records.records(partition);
      offsets.put(partition, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
    }
    return offsets;
  }

  private void rewindToCommitted() {
    Set<TopicPartition> assignment = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment);
    for (TopicPartition partition : assignment) {
      OffsetAndMetadata offset = committed.get(partition);
      if (offset != null) {
        consumer.seek(partition, offset.offset());
      } else {
        consumer.seekToBeginning(List.of(partition));
      }
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The model's two stages as the loop runs them: preparing an image (loop thread, in parallel)
   * and the network (its own thread). A model that is not staged prepares nothing and does all
   * its work in the network stage.
   */
  private record Stages(Function<ImageInput, Object> prepare, Function<List<Object>, List<Feature>> network) {

    @SuppressWarnings("unchecked") // what prepare returns reaches only the same model's extractPrepared
    static Stages of(FeatureModel model) {
      if (model instanceof StagedFeatureModel<?> staged) {
        StagedFeatureModel<Object> typed = (StagedFeatureModel<Object>) staged;
        return new Stages(typed::prepare, typed::extractPrepared);
      }
      return new Stages(image -> image, images -> model.extract((List<ImageInput>) (List<?>) images));
    }
  }

  /** The registry failed (5xx or unreachable) while a record was read: a pause, not a bad record. */
  private static final class RegistryUnavailableException extends RuntimeException {
    RegistryUnavailableException(SchemaRegistryException cause) {
      super(cause);
    }
  }

  /** A request that cannot be used, with the stage that found out. */
  private static final class InvalidRequestException extends IllegalArgumentException {
    private final String stage;

    InvalidRequestException(String stage, String message, Throwable cause) {
      super(message, cause);
      this.stage = stage;
    }
  }
}
