package io.alignstream.extractor;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.InputLimitOptions;
import io.alignstream.common.TopicOptions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alignstream extract}: one extractor instance for one model, until stopped. */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = {
        "Consumes image requests, embeds them with one model, publishes one embedding per "
            + "(image, layer, noise level, conditioning), exactly once.",
        "Start more instances with the same model id to scale out: they share the consumer group "
            + "alignstream-extractor-<model id>, which starts from the earliest request."})
public final class ExtractCommand implements Callable<Integer> {

  @Mixin
  ClusterOptions cluster;

  @Option(names = "--model", required = true, paramLabel = "pixels|tiny|DIR",
      description = "The model: the pixel baseline, the built-in tiny Stable Diffusion, or a diffusers pipeline folder.")
  String model;

  @Option(names = "--model-id", paramLabel = "ID",
      description = "Model id used in every setting (default: the model's own name).")
  String modelId;

  @Option(names = "--instance-id", paramLabel = "ID",
      description = "Name of this instance; keep it stable across restarts (default: random).")
  String instanceId = UUID.randomUUID().toString().substring(0, 8);

  @Option(names = "--images-per-transaction", defaultValue = "16", paramLabel = "N",
      description = "Images polled, extracted and committed together (default: ${DEFAULT-VALUE}).")
  int imagesPerTransaction;

  @Option(names = "--max-poll-interval-ms", defaultValue = "1800000", paramLabel = "MS",
      description = "How long one batch may take before the group evicts this instance (default: ${DEFAULT-VALUE}).")
  long maxPollIntervalMs;

  @Option(names = "--pixel-side", defaultValue = "16", paramLabel = "PIXELS",
      description = "Pixel baseline: side of the downsampled image (default: ${DEFAULT-VALUE}).")
  int pixelSide;

  @Mixin
  TopicOptions topics;

  @Mixin
  InputLimitOptions limits;

  @Mixin
  ModelFlags modelFlags;

  @Option(names = "--taps", defaultValue = "default", paramLabel = "default|all|LIST",
      description = "Diffusion: layers to publish (default: ${DEFAULT-VALUE}). default = the paper's nine "
          + "(Down0..Down3 = down_blocks.N.resnets.1, Mid = mid_block, Up0..Up3 = up_blocks.N.resnets.1); all = every "
          + "block output and every resnet, attention and resampler inside them plus conv_in and out; or a comma "
          + "list of those names and diffusers module paths, e.g. Mid,down_blocks.1.attentions.0.")
  String taps;

  @Option(names = "--pool", defaultValue = "mean", paramLabel = "mean|max|flatten",
      description = "Diffusion: how a tapped map [C, H, W] becomes a vector (default: ${DEFAULT-VALUE}): spatial "
          + "mean or max ([C]), or every value (C*H*W, channel-major).")
  String pool;

  @Option(names = "--latent-cache", defaultValue = "256", paramLabel = "N",
      description = "Diffusion: clean VAE latents kept across requests of the same image, resolution, seed and "
          + "latent mode (default: ${DEFAULT-VALUE}; 0 keeps none).")
  int latentCache;

  @Option(names = "--text-cache", defaultValue = "256", paramLabel = "N",
      description = "Diffusion: prompts whose text-encoder states are kept (default: ${DEFAULT-VALUE}; 0 keeps none).")
  int textCache;

  @Override
  public Integer call() {
    ExtractorOptions options = new ExtractorOptions(instanceId, imagesPerTransaction, Duration.ofMillis(500),
        Duration.ofMillis(maxPollIntervalMs), limits.limits());
    ClusterConfig config = cluster.resolve();
    topics.ensureTopics(config);
    modelFlags.applyThreads();
    CountDownLatch finished = new CountDownLatch(1);
    try (FeatureModel featureModel = FeatureModels.open(model, modelId, modelFlags.toOptions(pixelSide, taps, pool, latentCache, textCache));
        ExtractorService service = new ExtractorService(config, featureModel, options)) {
      ModelInfo info = service.modelInfo();
      System.out.printf("extractor %s: model %s (%s, %d layers) from %s, group %s%n", instanceId, info.modelId(),
          info.kind(), info.layers().size(), config.bootstrapServers(), ExtractorService.groupId(info.modelId()));
      // Ctrl-C: stop polling, let the loop finish its transaction and close the clients.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        service.close();
        awaitQuietly(finished);
      }));
      try {
        service.run();
      } finally {
        finished.countDown();
      }
    }
    return 0;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
