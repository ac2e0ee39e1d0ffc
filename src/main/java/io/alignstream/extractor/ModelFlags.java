package io.alignstream.extractor;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.alignstream.common.NativeHeap;
import io.alignstream.extractor.diffusion.TinyModelCache;
import io.alignstream.extractor.hub.HubSettings;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.vision.VisionFeatureModel;
import io.alignstream.extractor.vision.VisionFlags;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The command-line flags that say how to run a model, diffusion or vision (picocli mixin shared by
 * {@code extract}, {@code features} and {@code bench extractor}); {@link #toOptions} turns them
 * into the immutable {@link ModelOptions}.
 */
public final class ModelFlags {

  private static final Logger LOG = LoggerFactory.getLogger(ModelFlags.class);

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|gpu:N",
      description = "Where the diffusion model computes (default: ${DEFAULT-VALUE}). gpu needs the CUDA build "
          + "(mvn -Pcuda package) and a CUDA 12.4 driver; it fails at start-up when DJL/PyTorch sees no GPU.")
  String device;

  @Option(names = "--dtype", defaultValue = "float32", paramLabel = "float32|float16",
      description = "Compute dtype of the UNet and text encoder (default: ${DEFAULT-VALUE}); float16 on a GPU only. "
          + "The VAE always computes in float32.")
  String dtype;

  @Option(names = {"--unet-batch", "--batch"}, defaultValue = "8", paramLabel = "N",
      description = "Most inputs per model forward (default: ${DEFAULT-VALUE}): (image x noise level x conditioning) "
          + "inputs per UNet forward, images per vision-model forward; larger batches amortise per-operation "
          + "overhead, e.g. 16 or more on a GPU.")
  int unetBatch;

  @Option(names = "--device-memory-limit", defaultValue = "0", paramLabel = "BYTES",
      description = "Most bytes of attention scores and weights one UNet forward may hold on the device (an estimate "
          + "from the UNet config); a forward over it is treated as the device's own out-of-memory: the batch is "
          + "halved and retried, and an input that does not fit alone is dead-lettered. 0 = no limit but the "
          + "device's (default: ${DEFAULT-VALUE}).")
  long deviceMemoryLimit;

  @Option(names = "--model-cache", paramLabel = "DIR",
      description = "Where --model tiny is written once and reused from (default: ~/.cache/alignstream/models).")
  Path modelCache;

  @Option(names = "--tiny-seed", defaultValue = "0", paramLabel = "SEED",
      description = "Seed of the built-in tiny model's random weights (default: ${DEFAULT-VALUE}).")
  long tinySeed;

  @Option(names = "--download",
      description = "Fetch a hub model (--model org/name[@revision]) into the Hugging Face cache when the cache lacks "
          + "files, over the hub's HTTP API (HF_ENDPOINT for a mirror, HF_TOKEN for gated repositories). Without it "
          + "nothing is ever downloaded.")
  boolean download;

  @Option(names = "--variant", paramLabel = "fp16",
      description = "Prefer the fp16 weight files of a diffusers pipeline (*.fp16.safetensors), and download only those.")
  String variant;

  @Option(names = "--hub-cache", paramLabel = "DIR",
      description = "The Hugging Face hub cache (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).")
  Path hubCache;

  @Option(names = "--pipeline-config", paramLabel = "DIR",
      description = "For a single-file checkpoint: a diffusers pipeline folder whose unet/, vae/, text_encoder/, "
          + "scheduler/ configs and tokenizer/ replace the ones inferred from the file (weights not needed); the only "
          + "way for architectures the file's shapes do not describe.")
  Path pipelineConfig;

  @Option(names = "--no-t5",
      description = "For a Stable Diffusion 3 checkpoint: leave its T5-XXL text encoder out (4.7 B parameters, 19 GB "
          + "in float32); the transformer then gets diffusers' zero stand-in for T5's states, which changes the "
          + "features (docs/method.md). The model card records it.")
  boolean noT5;

  @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
      description = "PyTorch intra-op threads for this process (default: 0 = the engine's choice, one per core). On a "
          + "CPU shared with other busy processes use 1: OpenMP threads that wait for descheduled siblings (with "
          + "libgomp's default 3 ms spin) slowed a tiny UNet forward about 13x on an oversubscribed 2-core machine.")
  int threads;

  @Option(names = "--native-memory", defaultValue = "reuse", paramLabel = "reuse|release",
      description = "What the C heap does with the memory libtorch frees after each forward (default: "
          + "${DEFAULT-VALUE}). reuse keeps it for the next forward, so large activations are not faulted in page by "
          + "page again (ResNet-50 at batch 16: 1.2-1.4x the images/s), and the process keeps its peak native memory; "
          + "release is glibc's default, which returns blocks over 32 MiB to the kernel on free.")
  NativeMemory nativeMemory;

  /** The two --native-memory choices. */
  public enum NativeMemory { REUSE, RELEASE }

  /** How vision models prepare images (--preprocessor-config, --resize, --crop, ...). */
  @Mixin
  VisionFlags vision;

  /**
   * Applies the process-wide engine settings before a model loads: --threads to both engines,
   * PyTorch's and ONNX Runtime's (nothing when it is 0), and --native-memory to the C heap.
   */
  public void applyEngineSettings() {
    if (threads < 0) {
      throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
    }
    if (nativeMemory == NativeMemory.REUSE && !NativeHeap.reuseFreedMemory()) {
      LOG.info("--native-memory reuse: this C library has no mallopt switches (not glibc); its default applies");
    }
    VisionFeatureModel.useThreads(threads);
    if (threads > 0) {
      Engine.getInstance(); // loads the native library before the JNI call
      JniUtils.setNumThreads(threads);
    }
  }

  /** The options with the given taps and pooling (which each command declares itself) and default caches. */
  public ModelOptions toOptions(int pixelSide, String taps, String pooling) {
    return toOptions(pixelSide, taps, pooling, ModelOptions.DEFAULT_CACHE, ModelOptions.DEFAULT_CACHE);
  }

  /** The options with the given taps, pooling and cache sizes. */
  public ModelOptions toOptions(int pixelSide, String taps, String pooling, int latentCache, int textCache) {
    return new ModelOptions(pixelSide, device, dtype, unetBatch, taps, pooling, modelCache(), tinySeed, latentCache,
        textCache, checkpointOptions(), deviceMemoryLimit, sd3Options(), vision.toOptions());
  }

  /** --download, --pipeline-config, --variant and --hub-cache over the environment's hub settings. */
  public CheckpointOptions checkpointOptions() {
    HubSettings hub = HubSettings.fromEnvironment();
    return new CheckpointOptions(download, pipelineConfig, variant, hubCache == null ? hub : hub.withCache(hubCache));
  }

  /** --no-t5 as the SD3 options. */
  public Sd3Options sd3Options() {
    return new Sd3Options(!noT5);
  }

  /**
   * PyTorch's intra-op thread count, as --threads or the engine's default left it. The count is a
   * JNI call, so this loads the native library first (without --threads nothing has yet).
   */
  public int engineThreads() {
    Engine.getInstance();
    return JniUtils.getNumThreads();
  }

  public NativeMemory nativeMemory() {
    return nativeMemory;
  }

  public String device() {
    return device;
  }

  public String dtype() {
    return dtype;
  }

  public int unetBatch() {
    return unetBatch;
  }

  public long deviceMemoryLimit() {
    return deviceMemoryLimit;
  }

  public long tinySeed() {
    return tinySeed;
  }

  /** The model cache folder (the default when not given). */
  public Path modelCache() {
    return modelCache == null ? ModelOptions.defaultModelCache() : modelCache;
  }

  /** --device and --dtype as a placement. */
  public Placement placement() {
    return Placement.parse(device, dtype);
  }

  /** The built-in tiny model's folder for --tiny-seed in the model cache, written there first if absent. */
  public Path tinyModelFolder() {
    return TinyModelCache.folder(modelCache(), tinySeed);
  }
}
