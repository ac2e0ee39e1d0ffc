package io.alignstream.producer;

import java.util.List;

/**
 * What one publication did.
 *
 * @param topic where the records went
 * @param published records acknowledged by the cluster
 * @param rejected inputs not published (each sent to the dead-letter topic with its reason)
 * @param warnings things the user should know, e.g. rows holding NaN
 */
public record PublishReport(String topic, long published, long rejected, List<String> warnings) {

  public PublishReport {
    warnings = List.copyOf(warnings);
  }

  @Override
  public String toString() {
    return published + " records to " + topic + (rejected > 0 ? " (" + rejected + " rejected to the dead-letter topic)" : "")
        + (warnings.isEmpty() ? "" : "; " + String.join("; ", warnings));
  }
}
