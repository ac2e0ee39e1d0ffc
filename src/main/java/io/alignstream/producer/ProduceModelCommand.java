package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.ModelRequests;
import io.alignstream.common.TopicOptions;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ModelRequest;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alignstream produce model}: asks the extractor fleet to evaluate a model. */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Publish a ModelRequest: `extract --fleet` instances load the model and evaluate it on every image "
        + "requested so far, sharing the work. A request equal to one already evaluated is a no-op; a model that "
        + "cannot be loaded is dead-lettered with the reason.",
        "Examples:",
        "  produce model --model tiny",
        "  produce model --model /models/sd21 --model-id sd21 --taps all --noise-levels 0,0.1,0.5",
        "  produce model --model /models/vit-b16/layers.onnx --layers encoder.ln --pool cls,mean"})
public final class ProduceModelCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "The model as `extract --model` takes it: pixels, tiny, a diffusers folder or file, a TorchScript "
          + "or ONNX vision model or its folder (a path as the fleet instances see it, or a file: URI), a hub id "
          + "org/name[@revision].")
  String model;

  @Option(names = "--model-id", paramLabel = "ID", description = "Model id of its settings (default: the model's own name).")
  String modelId;

  @Option(names = {"--taps", "--layers"}, defaultValue = "default", paramLabel = "default|all|LIST",
      description = "Layers to publish, as extract --taps / --layers (default: ${DEFAULT-VALUE}).")
  String taps;

  @Option(names = "--pool", defaultValue = "default", paramLabel = "default|POOLING|LAYER=POOLING,...",
      description = "How a layer becomes a vector, as extract --pool (default: ${DEFAULT-VALUE}: mean for diffusion "
          + "models, each layer kind's default for vision models: maps mean, tokens cls, vectors as they are).")
  String pool;

  @Option(names = "--noise-levels", paramLabel = "S", split = ",", splitSynopsisLabel = ",",
      description = "Noise levels for every image, replacing each image request's own (default: each request's own).")
  List<Double> noiseLevels = new ArrayList<>();

  @Option(names = "--conditionings", paramLabel = "none|text", split = ",", splitSynopsisLabel = ",",
      description = "Conditionings for every image, replacing each image request's own (default: each request's own).")
  List<Conditioning> conditionings = new ArrayList<>();

  @Option(names = "--dtype", defaultValue = "float32", paramLabel = "float32|float16",
      description = "Compute dtype of the UNet and text encoder (default: ${DEFAULT-VALUE}; float16 needs a GPU fleet).")
  String dtype;

  @Option(names = "--requested-by", paramLabel = "NAME",
      description = "Who asks, recorded in the request and the fleet's progress (default: the user name).")
  String requestedBy = System.getProperty("user.name", "unknown");

  @Mixin
  TopicOptions topicSetup;

  @Mixin
  ClusterOptions clusterOptions;

  @Override
  public Integer call() {
    ModelRequest request = ModelRequests.create(model, modelId, taps, pool, noiseLevels, conditionings, dtype,
        requestedBy, Instant.now());
    ClusterConfig cluster = clusterOptions.resolve();
    topicSetup.ensureTopics(cluster);
    String key;
    try (ModelRequestPublisher publisher = new ModelRequestPublisher(cluster)) {
      key = publisher.publish(request);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("requested model %s (evaluation %s, group %s) on %s%n", model, key, ModelRequests.groupId(request),
        cluster.topics().modelRequests());
    out.flush();
    return 0;
  }
}
