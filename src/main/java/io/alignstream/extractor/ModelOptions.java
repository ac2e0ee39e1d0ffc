package io.alignstream.extractor;

import io.alignstream.extractor.vision.VisionOptions;
import java.nio.file.Path;

/**
 * How to run a model, whatever it is; each model reads what applies to it.
 *
 * @param pixelSide pixel baseline: side of the downsampled image
 * @param device diffusion: "cpu", "gpu" or "gpu:N"
 * @param dtype diffusion: compute dtype of the UNet and text encoder, "float32" or "float16" (GPU only)
 * @param unetBatch diffusion: most (image, noise level, conditioning) inputs per UNet forward
 * @param taps diffusion: "default" (the paper's nine layers), "all", or a comma list of layer
 *     names (Down0..Up3, Mid) and module paths
 * @param pooling how a layer becomes a vector: "default" (diffusion mean, vision models each layer
 *     kind's default); diffusion "mean", "max" or "flatten"; vision models see {@link
 *     io.alignstream.extractor.vision.LayerSelection}
 * @param modelCache folder the built-in tiny pipeline is written to once and reused from
 * @param tinySeed seed of the built-in tiny pipeline's random weights
 * @param latentCache diffusion: clean latents kept across requests (0 keeps none)
 * @param textCache diffusion: prompts' text-encoder states kept (0 keeps none)
 * @param checkpoints diffusion: how hub ids and single files are found and read (--download, ...)
 * @param deviceMemoryLimit diffusion: most bytes of attention one UNet forward may hold on the
 *     device, 0 for no limit but the device's own (see {@link
 *     io.alignstream.extractor.diffusion.UNetBatcher}); vision: most bytes of weights and layer
 *     outputs
 * @param sd3 Stable Diffusion 3: whether T5 runs
 * @param vision vision models (TorchScript, ONNX): image preparation; they read device, unetBatch
 *     (images per forward), taps (their layers) and pooling too (docs/vision-models.md)
 */
public record ModelOptions(
    int pixelSide, String device, String dtype, int unetBatch, String taps, String pooling, Path modelCache,
    long tinySeed, int latentCache, int textCache, CheckpointOptions checkpoints, long deviceMemoryLimit,
    Sd3Options sd3, VisionOptions vision) {

  public static final int DEFAULT_UNET_BATCH = 8;
  public static final int DEFAULT_CACHE = 256;

  public ModelOptions {
    if (unetBatch < 1) {
      throw new IllegalArgumentException("UNet batch must be >= 1, got " + unetBatch);
    }
    if (latentCache < 0 || textCache < 0) {
      throw new IllegalArgumentException("cache sizes must be >= 0, got latent " + latentCache + ", text " + textCache);
    }
    if (sd3 == null) {
      throw new IllegalArgumentException("SD3 options are required (Sd3Options.defaults())");
    }
    if (vision == null) {
      throw new IllegalArgumentException("vision options are required (VisionOptions.defaults())");
    }
    if (deviceMemoryLimit < 0) {
      throw new IllegalArgumentException("--device-memory-limit must be >= 0 (0 = none), got " + deviceMemoryLimit);
    }
  }

  /**
   * Options with the default checkpoint options (offline, configs inferred, the environment's hub
   * cache), no device memory limit, and the SD3 and vision models' defaults.
   */
  public ModelOptions(int pixelSide, String device, String dtype, int unetBatch, String taps, String pooling,
      Path modelCache, long tinySeed, int latentCache, int textCache) {
    this(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache, textCache,
        CheckpointOptions.defaults(), 0, Sd3Options.defaults(), VisionOptions.defaults());
  }

  public static ModelOptions defaults() {
    return new ModelOptions(16, "cpu", "float32", DEFAULT_UNET_BATCH, "default", "default", defaultModelCache(), 0,
        DEFAULT_CACHE, DEFAULT_CACHE);
  }

  /** {@code ~/.cache/alignstream/models}. */
  public static Path defaultModelCache() {
    return Path.of(System.getProperty("user.home"), ".cache", "alignstream", "models");
  }

  public ModelOptions withPixelSide(int side) {
    return new ModelOptions(side, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache, textCache,
        checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withPlacement(String newDevice, String newDtype) {
    return new ModelOptions(pixelSide, newDevice, newDtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache,
        textCache, checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withUnetBatch(int batch) {
    return new ModelOptions(pixelSide, device, dtype, batch, taps, pooling, modelCache, tinySeed, latentCache, textCache,
        checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withTaps(String newTaps) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, newTaps, pooling, modelCache, tinySeed, latentCache,
        textCache, checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withPooling(String newPooling) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, newPooling, modelCache, tinySeed, latentCache,
        textCache, checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withModelCache(Path dir) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, dir, tinySeed, latentCache, textCache,
        checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withCheckpoints(CheckpointOptions newCheckpoints) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache,
        textCache, newCheckpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withCaches(int latents, int texts) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latents, texts,
        checkpoints, deviceMemoryLimit, sd3, vision);
  }

  public ModelOptions withSd3(Sd3Options newSd3) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache,
        textCache, checkpoints, deviceMemoryLimit, newSd3, vision);
  }

  public ModelOptions withVision(VisionOptions newVision) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache,
        textCache, checkpoints, deviceMemoryLimit, sd3, newVision);
  }

  public ModelOptions withDeviceMemoryLimit(long bytes) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache, tinySeed, latentCache,
        textCache, checkpoints, bytes, sd3, vision);
  }
}
