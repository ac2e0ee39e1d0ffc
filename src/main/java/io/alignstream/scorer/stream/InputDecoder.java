package io.alignstream.scorer.stream;

import io.alignstream.common.DeadLetters;
import io.alignstream.schema.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns consumed bytes into {@link ScorerInput}. Inputs are consumed as raw bytes and decoded
 * here, rather than by a serde with a deserialization exception handler, so that a record that
 * fails any check (Avro decoding or content) is dead-lettered with exactly the bytes consumed,
 * its topic, partition and offset, and a reason that says what was expected.
 */
abstract class InputDecoder implements Processor<byte[], byte[], String, ScorerInput> {

  static final String SERVICE = "scorer";
  static final String STAGE_DESERIALIZE = "deserialize";
  /** Item ids are stored with a 2-byte length; real ids are far shorter. */
  static final int MAX_ID_LENGTH = 1024;

  private final String instance;
  protected ProcessorContext<String, ScorerInput> context;

  InputDecoder(String instance) {
    this.instance = instance;
  }

  @Override
  public void init(ProcessorContext<String, ScorerInput> context) {
    this.context = context;
  }

  static String keyString(byte[] key) {
    return key == null ? null : new String(key, StandardCharsets.UTF_8);
  }

  protected void forward(Record<byte[], byte[]> record, String key, ScorerInput input) {
    context.forward(new Record<>(key, input, record.timestamp()));
  }

  protected void reject(Record<byte[], byte[]> record, String stage, String reason, Throwable cause) {
    context.forward(new Record<>(keyString(record.key()), (ScorerInput) new ScorerInput.Rejected(
        keyString(record.key()), deadLetter(context, instance, record.key(), record.value(), stage, reason, cause)),
        record.timestamp()));
  }

  static DeadLetter deadLetter(ProcessorContext<?, ?> context, String instance, byte[] key, byte[] value,
      String stage, String reason, Throwable cause) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    return DeadLetters.of(SERVICE, stage, reason, cause,
        meta == null ? "" : meta.topic(), meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset(),
        key, value, instance);
  }
}
