package io.alignstream.extractor;

import io.alignstream.extractor.hub.HubSettings;
import java.nio.file.Path;

/**
 * How a {@code --model} reference is found and read, beyond the model itself.
 *
 * @param download whether a hub model may be fetched over the network (never otherwise)
 * @param pipelineConfig for a single-file checkpoint: a diffusers pipeline folder whose configs and
 *     tokenizer to use instead of inferring them; null to infer
 * @param variant "fp16" to prefer (and download only) the fp16 weight files, null for full precision
 * @param hub the hub cache, endpoint and token
 */
public record CheckpointOptions(boolean download, Path pipelineConfig, String variant, HubSettings hub) {

  public CheckpointOptions {
    if (variant != null && !variant.equals("fp16")) {
      throw new IllegalArgumentException("--variant must be fp16 (the only weight variant of SD pipelines "
          + "alignstream reads), got '" + variant + "'");
    }
  }

  /** Offline, configs inferred, full precision, the environment's hub settings. */
  public static CheckpointOptions defaults() {
    return new CheckpointOptions(false, null, null, HubSettings.fromEnvironment());
  }

  public CheckpointOptions withDownload(boolean fetch) {
    return new CheckpointOptions(fetch, pipelineConfig, variant, hub);
  }

  public CheckpointOptions withPipelineConfig(Path dir) {
    return new CheckpointOptions(download, dir, variant, hub);
  }
}
