package io.alignstream.local;

import io.alignstream.common.TopicReadiness;
import io.alignstream.common.registry.InMemorySchemaRegistry;
import io.alignstream.common.registry.InMemorySchemaRegistry.Change;
import io.alignstream.common.registry.InMemorySchemaRegistry.SchemaRegistered;
import io.alignstream.common.registry.InMemorySchemaRegistry.SubjectDeleted;
import io.alignstream.common.registry.SchemaRegistryException;
import io.alignstream.local.SchemaTopicFormat.StoredRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded registry's durable state: a compacted, single-partition Kafka topic (one
 * partition, so changes replay in the order they were made) in {@link SchemaTopicFormat}.
 *
 * <p>Each change is written in its own Kafka transaction and committed before the registry
 * applies it, so memory never holds what the topic lacks, and a change of several records (a
 * deletion's marker and tombstones) is all there or not at all. The fixed transactional id
 * also makes the store a single writer: a second registry on the same topic fences the first,
 * whose writes then fail instead of handing out the same ids twice.
 *
 * <p>A failed commit is ambiguous (a timeout may hide a commit that happened), so after any
 * failure the store is marked stale and {@link #catchUp} re-reads the topic from the last
 * offset it knows before the next change is attempted.
 */
final class KafkaSchemaStore implements InMemorySchemaRegistry.ChangeListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaStore.class);
  private static final int PARTITION = 0;
  private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

  private final Map<String, Object> clientProperties;
  private final String topic;
  private final TopicPartition partition;
  private final Duration writeTimeout;
  private final Map<String, Integer> versionCounts = new HashMap<>();
  private KafkaProducer<String, String> producer;
  /** Offset just past the last record whose change is in memory: where a catch-up resumes. */
  private long appliedUpTo;
  private boolean stale;

  /**
   * @param clientProperties bootstrap servers and any pass-through client settings
   * @param writeTimeout how long one change may take to commit before the write fails
   */
  KafkaSchemaStore(Map<String, Object> clientProperties, String topic, Duration writeTimeout) {
    this.clientProperties = Map.copyOf(clientProperties);
    this.topic = topic;
    this.partition = new TopicPartition(topic, PARTITION);
    this.writeTimeout = writeTimeout;
  }

  /** Creates the topic (compacted, one partition) unless it exists; refuses one with several partitions. */
  void ensureTopic(short replication) {
    try (Admin admin = Admin.create(clientProperties)) {
      Set<String> existing = admin.listTopics().names().get();
      if (!existing.contains(topic)) {
        NewTopic definition = new NewTopic(topic, 1, replication).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
          admin.createTopics(List.of(definition)).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      awaitReady(admin);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create the schemas topic " + topic + " at " + bootstrapServers()
          + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the schemas topic " + topic, e);
    }
  }

  /**
   * A just-created topic is unknown to the broker for a moment, and writing to it too early can
   * stall an idempotent producer: wait until it can be written, then check its shape.
   */
  private void awaitReady(Admin admin) throws ExecutionException, InterruptedException {
    long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
    TopicDescription description = null;
    while (description == null) {
      try {
        description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
    if (description.partitions().size() != 1) {
      throw new IllegalStateException("schemas topic " + topic + " has " + description.partitions().size()
          + " partitions; it needs exactly 1 so that registry changes replay in order");
    }
    TopicReadiness.awaitWritable(admin, List.of(topic), TOPIC_READY_TIMEOUT);
  }

  /**
   * Takes over as the topic's writer (which aborts any transaction a crashed predecessor left
   * open, so the topic can be read to its end) and replays the whole topic into {@code registry}.
   *
   * @return how many records were read
   */
  int open(InMemorySchemaRegistry registry, Duration readTimeout) {
    producer();
    appliedUpTo = 0;
    return readToEnd(registry, readTimeout);
  }

  /** Before a change: if an earlier write failed, reads what the topic holds beyond memory. */
  void catchUp(InMemorySchemaRegistry registry) {
    if (!stale) {
      return;
    }
    try {
      producer(); // a new writer first aborts what the failed one left open, so the read sees its end
      int read = readToEnd(registry, writeTimeout);
      stale = false;
      if (read > 0) {
        LOG.warn("schemas topic {} held {} record(s) beyond memory after a failed write; applied them", topic, read);
      }
    } catch (RuntimeException e) {
      throw storeError("cannot re-read schemas topic " + topic + " after an earlier failed write", e);
    }
  }

  @Override
  public void changed(Change change) {
    if (stale) {
      // Writing now would put this change after records memory may lack.
      throw new SchemaRegistryException(SchemaRegistryException.STORE_ERROR,
          "schemas topic " + topic + " must be re-read (catchUp) after an earlier failed write");
    }
    String subject = SchemaTopicFormat.subjectOf(change);
    List<StoredRecord> records = SchemaTopicFormat.encode(change, versionCounts.getOrDefault(subject, 0));
    try {
      KafkaProducer<String, String> writer = producer();
      writer.beginTransaction();
      var sent = records.stream()
          .map(r -> writer.send(new ProducerRecord<>(topic, PARTITION, r.key(), r.value())))
          .toList();
      writer.commitTransaction(); // flushes, and waits for acks=all of every record
      long lastOffset = -1;
      for (var future : sent) {
        lastOffset = Math.max(lastOffset, future.get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS).offset());
      }
      appliedUpTo = lastOffset + 1; // the commit marker follows; read_committed readers skip it
      track(change);
    } catch (ExecutionException e) {
      throw failed(change, e.getCause());
    } catch (TimeoutException | KafkaException | IllegalStateException e) {
      throw failed(change, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(change, e);
    }
  }

  @Override
  public void close() {
    discardProducer(Duration.ofSeconds(5));
  }

  private SchemaRegistryException failed(Change change, Throwable cause) {
    stale = true;
    discardProducer(Duration.ZERO); // after a failed transaction the producer must be replaced
    return storeError("cannot persist " + change.getClass().getSimpleName() + " to schemas topic " + topic, cause);
  }

  private SchemaRegistryException storeError(String what, Throwable cause) {
    return new SchemaRegistryException(SchemaRegistryException.STORE_ERROR, 500,
        what + " at " + bootstrapServers() + ": " + cause.getMessage(), cause);
  }

  private int readToEnd(InMemorySchemaRegistry registry, Duration timeout) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(CommonClientConfigs.CLIENT_ID_CONFIG, "alignstream-schema-registry-reader");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    int read = 0;
    try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, appliedUpTo);
      long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (consumer.position(partition, timeout) < end) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("schemas topic " + topic + " not read to its end (offset " + end
              + ") within " + timeout.toMillis() + " ms; stopped at " + consumer.position(partition));
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          replay(registry, record);
          read++;
        }
      }
      appliedUpTo = consumer.position(partition, timeout);
    }
    return read;
  }

  private void replay(InMemorySchemaRegistry registry, ConsumerRecord<String, String> record) {
    Change change;
    try {
      change = SchemaTopicFormat.decode(record.key(), record.value());
    } catch (IllegalArgumentException e) {
      // Skipping a record could hand out an id twice; better to refuse to start.
      throw new IllegalStateException("schemas topic " + topic + " offset " + record.offset() + ": "
          + e.getMessage(), e);
    }
    if (change != null) {
      registry.apply(change);
      track(change);
    }
  }

  /** The store's own count of versions per subject: a deletion tombstones each of them. */
  private void track(Change change) {
    if (change instanceof SchemaRegistered registered) {
      versionCounts.merge(registered.schema().subject(), registered.schema().version(), Math::max);
    } else if (change instanceof SubjectDeleted deleted) {
      versionCounts.remove(deleted.subject());
    }
  }

  private KafkaProducer<String, String> producer() {
    if (producer == null) {
      Map<String, Object> props = new HashMap<>(clientProperties);
      int timeoutMs = (int) writeTimeout.toMillis();
      props.put(CommonClientConfigs.CLIENT_ID_CONFIG, "alignstream-schema-registry-writer");
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alignstream-schema-registry-" + topic);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
      props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, timeoutMs / 2));
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
      props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Math.max(timeoutMs * 2, 10_000));
      KafkaProducer<String, String> created = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
      try {
        created.initTransactions();
      } catch (RuntimeException e) {
        created.close(Duration.ZERO);
        throw e;
      }
      producer = created;
    }
    return producer;
  }

  private void discardProducer(Duration wait) {
    if (producer != null) {
      try {
        producer.close(wait);
      } catch (RuntimeException e) {
        LOG.debug("closing the schemas-topic producer failed", e);
      }
      producer = null;
    }
  }

  private String bootstrapServers() {
    return String.valueOf(clientProperties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
  }
}
