package io.alignstream.extractor;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
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

  @Option(names = "--images-per-transaction", defaultValue = "16",
      description = "Images polled, extracted and committed together (default: ${DEFAULT-VALUE}).")
  int imagesPerTransaction;

  @Option(names = "--max-poll-interval-ms", defaultValue = "1800000",
      description = "How long one batch may take before the group evicts this instance (default: ${DEFAULT-VALUE}).")
  long maxPollIntervalMs;

  @Option(names = "--pixel-side", defaultValue = "16",
      description = "Pixel baseline: side of the downsampled image (default: ${DEFAULT-VALUE}).")
  int pixelSide;

  @Mixin
  TopicOptions topics;

  @Override
  public Integer call() {
    ClusterConfig config = cluster.resolve();
    topics.ensureTopics(config);
    ExtractorOptions options = new ExtractorOptions(instanceId, imagesPerTransaction, Duration.ofMillis(500),
        Duration.ofMillis(maxPollIntervalMs));
    CountDownLatch finished = new CountDownLatch(1);
    try (FeatureModel featureModel = FeatureModels.open(model, modelId, new ModelOptions(pixelSide));
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
