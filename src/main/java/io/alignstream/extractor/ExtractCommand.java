package io.alignstream.extractor;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.InputLimitOptions;
import io.alignstream.common.ManagementOptions;
import io.alignstream.common.ManagementServer;
import io.alignstream.common.TopicOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alignstream extract}: one extractor instance for one model, until stopped. */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = {
        "Consumes image requests, embeds them with one model, publishes one embedding per "
            + "(image, layer, noise level, conditioning), exactly once.",
        "Start more instances with the same model id to scale out: they share the consumer group "
            + "alignstream-extractor-<model id>, which starts from the earliest request.",
        "With --fleet instead of --model: take models from the model-requests topic (produce model), evaluate "
            + "each on every image requested so far, and wait for the next; instances share each model's work."})
public final class ExtractCommand implements Callable<Integer> {

  /** How long SIGTERM waits for the batch in hand (documented in docs/operations.md). */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

  @Spec
  CommandSpec spec;

  @Mixin
  ClusterOptions cluster;

  @Option(names = "--model", paramLabel = "pixels|tiny|DIR|FILE|ORG/NAME[@REV]",
      description = "The model: the pixel baseline, the built-in tiny Stable Diffusion, a diffusers pipeline folder, "
          + "a single-file original-format .safetensors checkpoint (SD 1.x/2.x), or a hub id in the Hugging Face "
          + "cache (fetched only with --download).")
  String model;

  @Option(names = "--fleet",
      description = "Serve model requests instead of one --model: the model flags (--device, --unet-batch, ...) apply "
          + "to every model; each request sets taps, pooling, dtype and optionally noise levels and conditionings. "
          + "A model from --config or the environment is ignored.")
  boolean fleet;

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

  @Option(names = "--session-timeout-ms", defaultValue = "10000", paramLabel = "MS",
      description = "How long the group waits for a silent (killed) instance before its partitions move "
          + "(default: ${DEFAULT-VALUE}; Kafka's own default is 45000).")
  long sessionTimeoutMs;

  @Option(names = "--static-membership", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Join as a static member (group.instance.id = model + instance id): an instance restarted in "
          + "place with the same --instance-id within the session timeout resumes its partitions without a "
          + "rebalance (default: on).")
  boolean staticMembership;

  @Option(names = "--progress-interval-s", defaultValue = "10", paramLabel = "S",
      description = "Print a progress line this often; 0 = never (default: ${DEFAULT-VALUE}).")
  int progressIntervalS;

  @Mixin
  ManagementOptions management;

  @Option(names = "--pixel-side", defaultValue = "16", paramLabel = "PIXELS",
      description = "Pixel baseline: side of the downsampled image (default: ${DEFAULT-VALUE}).")
  int pixelSide;

  @Mixin
  TopicOptions topics;

  @Mixin
  InputLimitOptions limits;

  @Mixin
  ModelFlags modelFlags;

  @Option(names = {"--taps", "--layers"}, defaultValue = "default", paramLabel = "default|all|LIST",
      description = "Layers to publish (default: ${DEFAULT-VALUE}). Diffusion: default = the paper's nine "
          + "(Down0..Down3 = down_blocks.N.resnets.1, Mid = mid_block, Up0..Up3 = up_blocks.N.resnets.1); all = every "
          + "block output and every resnet, attention and resampler inside them plus conv_in and out; or a comma "
          + "list of those names and diffusers module paths, e.g. Mid,down_blocks.1.attentions.0. Vision models: "
          + "default = the layers the model exports, all = every value, or a comma list (alignstream layers lists "
          + "them).")
  String taps;

  @Option(names = "--pool", defaultValue = "default", paramLabel = "default|POOLING|LAYER=POOLING,...",
      description = "How a layer becomes a vector (default: ${DEFAULT-VALUE}). Diffusion: mean (the default), max "
          + "([C]) or flatten (C*H*W, channel-major). Vision models, per layer kind (default: maps mean, tokens "
          + "cls, vectors as they are): mean, flatten, cls, cls+mean, none; LAYER=POOLING for one layer; several "
          + "for one layer give several settings.")
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
    // A model named by the defaults file (extractor.properties has one) does not stand in the fleet's way.
    if (fleet ? spec.commandLine().getParseResult().hasMatchedOption("--model") : model == null) {
      throw new IllegalArgumentException("give either --model MODEL or --fleet");
    }
    ExtractorOptions options = new ExtractorOptions(instanceId, imagesPerTransaction, Duration.ofMillis(500),
        Duration.ofMillis(maxPollIntervalMs), Duration.ofMillis(sessionTimeoutMs), staticMembership, limits.limits());
    ClusterConfig config = cluster.resolve();
    topics.ensureTopics(config);
    modelFlags.applyEngineSettings();
    if (fleet) {
      return runFleet(config, options);
    }
    try (ShutdownSignal signal = ShutdownSignal.install();
        FeatureModel featureModel = FeatureModels.open(model, modelId, modelFlags.toOptions(pixelSide, taps, pool, latentCache, textCache));
        ExtractorService service = new ExtractorService(config, featureModel, options);
        ManagementServer server = management.start(ManagementOptions.Service.EXTRACTOR, instanceId, () -> status(service));
        ProgressLine progress = ProgressLine.start(service, Duration.ofSeconds(progressIntervalS))) {
      ModelInfo info = service.modelInfo();
      System.out.printf("extractor %s: model %s (%s, %d layers) from %s, group %s%n", instanceId, info.modelId(),
          info.kind(), info.layers().size(), config.bootstrapServers(), ExtractorService.groupId(info.modelId()));
      if (server != null) {
        System.out.println("extractor " + instanceId + " " + server.describe());
      }
      signal.onStop(service::close);
      service.run();
      // A loop that stopped on its own (fenced, cluster gone) exits 1, so a supervisor restarts it.
      return service.failure().isPresent() ? 1 : 0;
    }
  }

  private int runFleet(ClusterConfig config, ExtractorOptions options) {
    FleetOptions fleetOptions = new FleetOptions(options,
        modelFlags.toOptions(pixelSide, taps, pool, latentCache, textCache), Duration.ofSeconds(2));
    try (ShutdownSignal signal = ShutdownSignal.install();
        FleetService service = new FleetService(config, fleetOptions);
        ManagementServer server = management.start(ManagementOptions.Service.FLEET, instanceId, () -> status(service.failure(), "fleet"))) {
      System.out.printf("fleet instance %s: waiting for model requests on %s at %s%n", instanceId,
          config.topics().modelRequests(), config.bootstrapServers());
      if (server != null) {
        System.out.println("fleet instance " + instanceId + " " + server.describe());
      }
      signal.onStop(service::close);
      service.run();
      if (service.failure().isPresent()) {
        throw new IllegalStateException("fleet instance " + instanceId + " stopped: " + service.failure().get(),
            service.failure().get());
      }
    }
    return 0;
  }

  /** Live until the loop has failed; ready while it is live (it polls whatever it is assigned). */
  static ManagementServer.Status status(ExtractorService service) {
    return status(service.failure(), "extract");
  }

  /** Live until the named loop (extract, or fleet: model requests, one extract loop per model) has failed. */
  private static ManagementServer.Status status(Optional<Throwable> failure, String loop) {
    return failure
        .map(e -> ManagementServer.Status.failed("the " + loop + " loop stopped: " + e))
        .orElse(ManagementServer.Status.running());
  }

  /**
   * SIGTERM or Ctrl-C calls the registered stop: the loop stops polling, finishes the batch in
   * hand (extraction, then its transaction), and the try-with-resources closes the clients and
   * the model. Declared first in the try, this signal is closed last, and the shutdown hook waits
   * for that, at most SHUTDOWN_GRACE: after it the JVM exits anyway, and a batch not yet
   * committed is simply extracted again by whoever takes its partitions.
   */
  private static final class ShutdownSignal implements AutoCloseable {
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Runnable stop = () -> { };

    static ShutdownSignal install() {
      ShutdownSignal signal = new ShutdownSignal();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        signal.stop.run();
        try {
          signal.closed.await(SHUTDOWN_GRACE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "extractor-shutdown"));
      return signal;
    }

    void onStop(Runnable action) {
      stop = action;
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }
}
