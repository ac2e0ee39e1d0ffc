package io.alignstream.common.serde;

import io.alignstream.common.registry.RegisteredSchema;
import io.alignstream.common.registry.SchemaRegistries;
import io.alignstream.common.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format: magic byte 0, the schema's 4-byte big-endian registry id,
 * then Avro binary. Subjects follow TopicNameStrategy ({@code <topic>-value}, {@code <topic>-key}).
 * Configured with Confluent's keys, so it reads and writes the same bytes as Confluent's
 * KafkaAvroSerializer / KafkaAvroDeserializer (whose jar is not on Maven Central):
 * <ul>
 *   <li>{@code schema.registry.url}: registry URL(s), or {@code mock://scope} for tests;
 *   <li>{@code auto.register.schemas} (default true): register the writer schema, else look it up;
 *   <li>{@code use.latest.version} (default false): with auto-registration off, tag records with
 *       the subject's latest id, which must be the writer's own schema;
 *   <li>{@code specific.avro.reader} (default true for a specific type): decode into the
 *       generated class, resolving the writer's schema against it; false gives GenericRecords.
 * </ul>
 * Null values pass through as null (tombstones).
 *
 * @param <T> the generated record class; or {@link SpecificRecord} / {@link org.apache.avro.generic.GenericRecord}
 *     to write records of any schema and read generic records
 */
public final class AvroSerde<T extends IndexedRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

  static final byte MAGIC_BYTE = 0;
  static final int HEADER_SIZE = 5;

  private final Class<T> type;
  private final Schema readerSchema;
  private SchemaRegistryClient registry;
  private boolean isKey;
  private boolean autoRegister = true;
  private boolean useLatestVersion;
  private boolean specificReader;
  /** Registry id per topic and writer schema (Avro caches a schema's hash, so this key is cheap per record). */
  private final Map<WriterKey, Integer> writerIds = new ConcurrentHashMap<>();
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
  private final Map<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();
  /** Bytes of the record last serialized: the next one's buffer starts at that size (a hint: threads may race on it, any value is safe). */
  private int lastSize = 256;

  /** An unconfigured serde for {@code type}; Kafka calls {@link #configure}, or use {@link #configured}. */
  public AvroSerde(Class<T> type) {
    this.type = type;
    this.readerSchema = isGeneratedClass(type) ? SpecificData.get().getSchema(type) : null;
    this.specificReader = readerSchema != null;
  }

  /** A serde for {@code type}, configured for values (or keys) with the given registry settings. */
  public static <T extends IndexedRecord> AvroSerde<T> configured(Class<T> type, Map<String, ?> config, boolean isKey) {
    AvroSerde<T> serde = new AvroSerde<>(type);
    serde.configure(config, isKey);
    return serde;
  }

  @Override
  public void configure(Map<String, ?> config, boolean isKey) {
    Object url = config.get("schema.registry.url");
    if (url == null) {
      throw new IllegalArgumentException("schema.registry.url is required by the Avro serde");
    }
    this.registry = SchemaRegistries.forUrl(url.toString(), config);
    this.isKey = isKey;
    this.autoRegister = flag(config, "auto.register.schemas", true);
    this.useLatestVersion = flag(config, "use.latest.version", false);
    this.specificReader = readerSchema != null && flag(config, "specific.avro.reader", true);
  }

  @Override
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    requireConfigured();
    Schema schema = record.getSchema();
    try {
      int id = writerIds.computeIfAbsent(new WriterKey(topic, schema), key -> writerId(subject(topic), schema));
      // Sized as the last record was (a topic's records are alike: an embedding is 5 KB at
      // d = 1280, grown from 256 bytes it was copied five times), and written through Avro's
      // buffered encoder: the direct one hands every float to the stream on its own, a
      // synchronized ByteArrayOutputStream.write each (together 40 -> 23 us per such embedding).
      ByteArrayOutputStream out = new ByteArrayOutputStream(lastSize);
      out.write(MAGIC_BYTE);
      out.write(ByteBuffer.allocate(4).putInt(id).array());
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      writers.computeIfAbsent(schema, key -> writerFor(record)).write(record, encoder);
      encoder.flush();
      lastSize = Math.max(out.size(), 64);
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot serialize " + schema.getFullName() + " for topic " + topic + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    requireConfigured();
    if (data.length < HEADER_SIZE) {
      throw new SerializationException("record of " + data.length + " bytes on topic " + topic
          + " is too short for the Confluent wire format (magic byte + 4-byte schema id + Avro)");
    }
    ByteBuffer buffer = ByteBuffer.wrap(data);
    byte magic = buffer.get();
    if (magic != MAGIC_BYTE) {
      throw new SerializationException(String.format(
          "unknown magic byte 0x%02x on topic %s: expected 0x00 (Confluent wire format: magic, schema id, Avro)",
          magic, topic));
    }
    int id = buffer.getInt();
    try {
      DatumReader<T> reader = readers.computeIfAbsent(id, this::readerFor);
      return reader.read(null, DecoderFactory.get().binaryDecoder(data, HEADER_SIZE, data.length - HEADER_SIZE, null));
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot deserialize record with schema id " + id + " on topic " + topic
          + " as " + (readerSchema == null ? "a generic record" : readerSchema.getFullName()) + ": "
          + problem(e, data.length - HEADER_SIZE), e);
    }
  }

  /** What went wrong in words: Avro's EOFException for a truncated body has no message at all. */
  private static String problem(Exception e, int bodyBytes) {
    if (e instanceof EOFException) {
      return "the Avro body of " + bodyBytes + " bytes ends before the record does (truncated, or not written "
          + "with this schema)";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void close() {}

  private record WriterKey(String topic, Schema schema) {}

  private String subject(String topic) {
    return topic + (isKey ? "-key" : "-value");
  }

  private int writerId(String subject, Schema schema) {
    if (autoRegister) {
      return registry.register(subject, schema);
    }
    if (useLatestVersion) {
      RegisteredSchema latest = registry.latest(subject);
      if (!latest.schema().equals(schema)) {
        throw new SerializationException("use.latest.version: the latest schema of subject " + subject
            + " (id " + latest.id() + ", version " + latest.version() + ") is not this record's schema "
            + schema.getFullName() + "; register it or turn auto.register.schemas on");
      }
      return latest.id();
    }
    return registry.lookup(subject, schema).id();
  }

  private DatumReader<T> readerFor(int id) {
    Schema writer = registry.schemaById(id);
    if (specificReader) {
      return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(type));
    }
    return new GenericDatumReader<T>(writer, writer, GenericData.get());
  }

  /** Generated classes carry their logical-type conversions (timestamps as Instant) in their own model. */
  private DatumWriter<T> writerFor(T record) {
    return record instanceof SpecificRecord
        ? new SpecificDatumWriter<>(record.getSchema(), SpecificData.getForClass(record.getClass()))
        : new GenericDatumWriter<>(record.getSchema(), GenericData.get());
  }

  /**
   * A class generated from a schema, as opposed to {@code SpecificRecord} or {@code GenericRecord}
   * themselves: a serde for one of those writes any record (each with its own schema, e.g. one
   * transactional producer sending embeddings and dead letters) and reads generic records.
   */
  private static boolean isGeneratedClass(Class<?> type) {
    return SpecificRecord.class.isAssignableFrom(type) && !type.isInterface()
        && !java.lang.reflect.Modifier.isAbstract(type.getModifiers());
  }

  private void requireConfigured() {
    if (registry == null) {
      throw new IllegalStateException("AvroSerde for " + type.getName() + " used before configure()");
    }
  }

  private static boolean flag(Map<String, ?> config, String key, boolean defaultValue) {
    Object value = config.get(key);
    return value == null ? defaultValue : Boolean.parseBoolean(value.toString());
  }
}
