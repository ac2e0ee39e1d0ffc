package io.alignstream.common;

import io.alignstream.schema.DeadLetter;
import io.micrometer.core.instrument.Metrics;
import java.nio.ByteBuffer;

/** Builds the {@link DeadLetter} record every service publishes for input it cannot process. */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * @param service producer, extractor or scorer
   * @param stage where it failed (deserialize, decode-image, extract, validate-embedding, ...)
   * @param reason what was expected and what was found
   * @param cause the exception behind it, or null
   */
  public static DeadLetter of(
      String service, String stage, String reason, Throwable cause,
      String topic, int partition, long offset, byte[] key, byte[] value, String instance) {
    // Counted as built: a batch re-done after an aborted transaction counts its letters again.
    Metrics.counter("alignstream.dead.letters", "service", service, "stage", stage).increment();
    return DeadLetter.newBuilder()
        .setService(service)
        .setStage(stage)
        .setReason(reason)
        .setErrorClass(cause == null ? null : cause.getClass().getName())
        .setTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
        .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
        .setInstance(instance)
        .setFailedAt(java.time.Instant.now())
        .build();
  }
}
