package io.alignstream.producer;

import java.util.List;

/**
 * What one publication did.
 *
 * @param topic where the records went
 * @param published records acknowledged by the cluster
 * @param rejected inputs not published (each sent to the dead-letter topic with its reason)
 * @param unchanged inputs not sent because the topic already holds them as they are
 * @param warnings things the user should know, e.g. rows holding NaN
 */
public record PublishReport(String topic, long published, long rejected, long unchanged, List<String> warnings) {

  public PublishReport {
    warnings = List.copyOf(warnings);
  }

  /** A publication that sends every input it accepts. */
  public PublishReport(String topic, long published, long rejected, List<String> warnings) {
    this(topic, published, rejected, 0, warnings);
  }

  @Override
  public String toString() {
    return published + " records to " + topic + (unchanged > 0 ? " (" + unchanged + " already there unchanged)" : "")
        + (rejected > 0 ? " (" + rejected + " rejected to the dead-letter topic)" : "")
        + (warnings.isEmpty() ? "" : "; " + String.join("; ", warnings));
  }
}
