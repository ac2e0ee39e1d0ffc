package io.alignstream.extractor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.ResidentMemory;
import io.alignstream.extractor.diffusion.RandomWeights;
import io.alignstream.extractor.diffusion.StableDiffusion;
import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.unet.Tap;
import io.alignstream.extractor.diffusion.unet.Taps;
import io.alignstream.extractor.diffusion.unet.UNet;
import io.alignstream.extractor.diffusion.unet.UNetFlops;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.extractor.sd3.Sd3Parameters;
import io.alignstream.extractor.sd3.Sd3Taps;
import io.alignstream.extractor.sd3.Sd3Transformer;
import io.alignstream.extractor.sd3.Sd3TransformerConfig;
import io.alignstream.extractor.vision.VisionModelSource;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignstream bench extractor}: how fast the Stable Diffusion feature extractor runs, as
 * one JSON line per case on stdout (progress and a summary table on stderr).
 *
 * <ul>
 *   <li>{@code unet-<model>-<latent>-b<batch>}: full UNet forwards (every module, to the noise
 *       prediction) on a latent of 32x32 or 64x64; a forward is one call on {@code batch}
 *       latents; GFLOP counted by {@link UNetFlops} (a multiply-add = 2).
 *   <li>{@code grid-<model>-<resolution>}: whole images through {@link StableDiffusionFeatureModel}
 *       on the paper's grid (11 noise levels x {NONE, TEXT}, the nine default taps, mean
 *       pooling), VAE and text encoding included; fresh images and concepts, so no cache helps
 *       except for the empty prompt.
 *   <li>{@code --memory-check}: many small tiny-model images through the feature model,
 *       sampling process RSS and live NDArrays as it goes: native memory must stay flat.
 *
 *   <li>{@code mmdit-sd3m-<latent>-b1}: full forwards of the real SD3-medium transformer
 *       ({@link Sd3TransformerConfig#SD3_MEDIUM}, 2.03 B parameters, seeded random weights, 8.1 GB in
 *       float32) on a latent of 32x32 or 64x64 with 333 text tokens, recording every block's token
 *       mean; with --compare, diffusers' SD3Transformer2DModel is timed after it in the same run (one
 *       after the other rather than alternating: two copies of the weights do not fit beside other
 *       work on a 24 GiB machine).
 *   <li>{@code --model} naming a TorchScript or ONNX vision model: {@link VisionBench}'s cases
 *       (images/s at batch 1, 16, 64 per format, against PyTorch eager with {@code --compare};
 *       the extract loop's overhead on an embedded broker).
 * </ul>
 *
 * <p>Models: {@code tiny} (the built-in pipeline) and {@code sd21}, the real SD 2.1
 * architecture from its config files with seeded random weights built in memory (about 5 GB:
 * 866 M UNet + 340 M text encoder + 34 M VAE encoder parameters in float32), and {@code sd3m}
 * (not in {@code all}: 8 GB). Every case line carries the process's peak resident memory during
 * the case ({@code peak_rss_mib}).
 */
@Command(name = "extractor", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmarks the extractor: Stable Diffusion UNet forwards/s and GFLOP/s, images/s on the paper's "
        + "grid, (--memory-check) native memory over many images; for a vision model (--model FILE|DIR|ORG/NAME) "
        + "images/s per format and batch and the extract loop's overhead. One JSON line per case on stdout."})
public final class ExtractorBench implements Callable<Integer> {

  /** The paper's noise grid: 0, 0.01 and 0.1 .. 0.9 (11 levels, 11 distinct timesteps). */
  static final List<Double> PAPER_NOISE_LEVELS =
      List.of(0.0, 0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONTEXT_TOKENS = 77;
  /** SD3's context: 77 CLIP tokens and 256 T5 tokens. */
  private static final int SD3_CONTEXT_TOKENS = 333;

  @Spec
  CommandSpec spec;

  @Option(names = "--model", defaultValue = "all", paramLabel = "tiny|sd21|sd3m|all|MODEL",
      description = "Which models to measure (default: ${DEFAULT-VALUE}), or a TorchScript/ONNX vision model: a file, "
          + "a folder (both formats when it holds layers.onnx and layers.pt) or a hub id.")
  String model;

  @Mixin
  ModelFlags modelFlags;

  @Option(names = "--iterations", paramLabel = "N",
      description = "Timed repetitions per case (default: 10 for tiny, 1 for sd21 on a CPU, 10 on a GPU; vision: "
          + "about 160 images' worth of batches, at least 3).")
  Integer iterations;

  @Option(names = "--warmup", defaultValue = "1", paramLabel = "N",
      description = "Untimed repetitions before each case (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--warmup-seconds", defaultValue = "2", paramLabel = "S",
      description = "Vision cases: warm up for at least this long as well, Java and the peer alike (default: "
          + "${DEFAULT-VALUE}). The JVM compiles a batch's Java path fully only after thousands of batches, which a "
          + "small model at batch 1 reaches in seconds; 0 for --warmup alone.")
  double warmupSeconds;

  @Option(names = "--cases", defaultValue = ".*", paramLabel = "REGEX",
      description = "Run only cases whose name matches (find) this regex, e.g. 'unet-tiny' or 'grid' "
          + "(default: all). Names: unet-<model>-<latent>-b<batch>, grid-<model>-<resolution>, "
          + "vision-<model>-<format>-b<batch>, vision-<model>-<format>-service-b16.")
  String cases;

  @Option(names = "--sd21-config", defaultValue = "../shared/fixtures/sd21-configs", paramLabel = "DIR",
      description = "Folder with the SD 2.1 unet/, vae/, text_encoder/, scheduler/ config.json files "
          + "(default: ${DEFAULT-VALUE}); sd21 is skipped when absent.")
  Path sd21Config;

  @Option(names = "--grid-images", paramLabel = "N",
      description = "Images in the timed grid call (default: 4 for tiny at 256, 1 for tiny at 512 and for sd21).")
  Integer gridImages;

  @Option(names = "--kernels", paramLabel = "SETTING",
      description = "UNet cases: time the forward with these kernel settings, alternating within each round "
          + "(repeatable: " + Kernels.SETTINGS + "; default: the process setting -D" + Kernels.PROPERTY
          + ", else fused).")
  List<String> kernelSettings;

  @Option(names = "--compare",
      description = "UNet cases: alternate each round with diffusers' UNet2DConditionModel (--peer-command, same config, "
          + "batch and latent); vision cases: with PyTorch eager and forward hooks on the same network "
          + "(--vision-peer-command); print the best-of ratio as a \"compare\" line.")
  boolean compare;

  @Option(names = "--rounds", paramLabel = "N",
      description = "UNet and vision cases: alternating rounds of --iterations forwards each (default: 2 with --compare, "
          + "else 1).")
  Integer rounds;

  @Option(names = "--peer-command", defaultValue = "/usr/bin/python3 bench/peer_diffusers.py", paramLabel = "CMD",
      description = "The diffusers peer --compare starts, split on spaces (default: ${DEFAULT-VALUE}; it needs diffusers "
          + "and PyTorch importable, see docs/benchmarks.md).")
  String peerCommand;

  @Option(names = "--vision-peer-command", defaultValue = "/usr/bin/python3 bench/peer_vision.py", paramLabel = "CMD",
      description = "The PyTorch eager peer of the vision cases, split on spaces (default: ${DEFAULT-VALUE}; it needs "
          + "PyTorch and torchvision, and a fixture folder with layers.pt and reference.json).")
  String visionPeerCommand;

  @Option(names = "--service-images", defaultValue = "256", paramLabel = "N",
      description = "Vision service case: requests through the extract loop (default: ${DEFAULT-VALUE}).")
  int serviceImages;

  @Option(names = "--images-per-transaction", defaultValue = "16", paramLabel = "N",
      description = "Vision service case: images per poll and Kafka transaction, forwarded in batches of 16 "
          + "(default: ${DEFAULT-VALUE}, extract's default; the commit is a fixed cost per transaction).")
  int imagesPerTransaction;

  @Option(names = "--profile", paramLabel = "DIR",
      description = "UNet cases: after the timed rounds, run one more forward per kernel setting under libtorch's "
          + "profiler, write its Chrome trace to DIR and print a \"profile\" line with the operators' self times; "
          + "vision TorchScript cases: the same for --iterations more batches, per batch.")
  Path profileDir;

  @Option(names = "--memory-check",
      description = "Instead of the speed cases: run --images tiny-model images and sample RSS and live NDArrays.")
  boolean memoryCheck;

  @Option(names = "--images", defaultValue = "10000", paramLabel = "N",
      description = "Memory check: images to extract (default: ${DEFAULT-VALUE}).")
  int memoryImages;

  @Option(names = "--sample-every", defaultValue = "1000", paramLabel = "N",
      description = "Memory check: images between samples (default: ${DEFAULT-VALUE}).")
  int sampleEvery;

  @Option(names = "--resolution", defaultValue = "64", paramLabel = "PIXELS",
      description = "Memory check: image side (default: ${DEFAULT-VALUE}).")
  int memoryResolution;

  private final List<ObjectNode> results = new ArrayList<>();

  @Override
  public Integer call() {
    PrintStream out = System.out;
    modelFlags.applyEngineSettings();
    if (memoryCheck) {
      new MemoryCheck(memoryImages, sampleEvery, memoryResolution, modelOptions(16), out, System.err).run();
      return 0;
    }
    boolean tiny = model.equals("tiny") || model.equals("all");
    boolean sd21 = model.equals("sd21") || model.equals("all");
    boolean sd3m = model.equals("sd3m");
    if (!tiny && !sd21 && !sd3m) {
      benchVision();
      printTable();
      return 0;
    }
    if (sd3m) {
      benchSd3Medium();
    }
    if (selected("dispatch")) {
      dispatchCase();
    }
    if (tiny) {
      benchTiny();
    }
    if (sd21) {
      if (Files.isRegularFile(sd21Config.resolve("unet").resolve("config.json"))) {
        benchSd21();
      } else {
        progress("sd21 skipped: no SD 2.1 configs at " + sd21Config.toAbsolutePath().normalize()
            + " (give the folder with --sd21-config)");
      }
    }
    printTable();
    return 0;
  }

  private void benchVision() {
    List<VisionModelSource> sources = VisionModelSource.eachFormat(model, modelFlags.checkpointOptions());
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("--model must be tiny, sd21, sd3m, all or a TorchScript/ONNX vision model (a "
          + "file, a folder holding one, a cached hub id), got '" + model + "'");
    }
    int roundCount = rounds != null ? rounds : compare ? 2 : 1;
    if (roundCount < 1 || serviceImages < VisionBench.SERVICE_BATCH || imagesPerTransaction < 1
        || !(warmupSeconds >= 0)) {
      throw new IllegalArgumentException("--rounds must be >= 1, --service-images >= " + VisionBench.SERVICE_BATCH
          + ", --images-per-transaction >= 1 and --warmup-seconds >= 0");
    }
    VisionBench.Settings settings = new VisionBench.Settings(warmup, warmupSeconds, iterations, roundCount, compare,
        visionPeerCommand, serviceImages, imagesPerTransaction, modelFlags.engineThreads(),
        modelFlags.nativeMemory().name().toLowerCase(Locale.ROOT), profileDir);
    new VisionBench(settings, modelFlags.toOptions(16, "default", "default"), this::selected, this::emit,
        command -> PeerProcess.start("PyTorch eager peer", command)).run(sources);
  }

  private void benchTiny() {
    Placement placement = modelFlags.placement();
    Path dir = modelFlags.tinyModelFolder();
    int iters = iterations != null ? iterations : 10;
    Map<Integer, Integer> best = new LinkedHashMap<>();
    try (StableDiffusion sd = StableDiffusion.open(io.alignstream.extractor.diffusion.checkpoint.PipelineFolder.open(dir),
        placement)) {
      for (int latent : List.of(32, 64)) {
        best.put(latent, unetCases(sd.unet(), "tiny", dir, latent,
            placement.device().isGpu() ? List.of(1, 2, 4, 8, 16, 32) : List.of(1, 2, 4, 8), iters));
      }
    }
    for (int resolution : List.of(256, 512)) {
      String name = "grid-tiny-" + resolution;
      if (!selected(name)) {
        continue;
      }
      int batch = gridBatch(best.get(64), 8);
      try (StableDiffusionFeatureModel fm = StableDiffusionFeatureModel.open(dir, "tiny", "builtin:tiny",
          modelOptions(batch))) {
        gridCase(fm, "tiny", resolution, batch, gridImages != null ? gridImages : resolution >= 512 ? 1 : 4,
            resolution >= 512 ? 0 : warmup);
      }
    }
  }

  private void benchSd21() {
    Placement placement = modelFlags.placement();
    Path tokenizerDir = modelFlags.tinyModelFolder().resolve("tokenizer");
    int iters = iterations != null ? iterations : placement.device().isGpu() ? 10 : 1;
    progress("sd21: drawing random weights for the UNet, VAE encoder and text encoder from " + sd21Config);
    long start = System.nanoTime();
    StableDiffusion sd = StableDiffusion.randomWeights(sd21Config,
        ClipTokenizer.load(ComponentFolder.open(tokenizerDir, "tokenizer", "CLIPTokenizer")), placement, 21);
    progress(String.format("sd21: %,d UNet parameters ready in %.1f s", sd.unet().parameters(),
        (System.nanoTime() - start) / 1e9));
    Map<Integer, Integer> best = new LinkedHashMap<>();
    try {
      for (int latent : List.of(32, 64)) {
        best.put(latent, unetCases(sd.unet(), "sd21", sd21Config, latent,
            placement.device().isGpu() ? List.of(1, 2, 4, 8, 16) : List.of(1, 2), iters));
      }
    } catch (RuntimeException e) {
      sd.close();
      throw e;
    }
    String name = "grid-sd21-512";
    if (!selected(name)) {
      sd.close();
      return;
    }
    int batch = gridBatch(best.get(64), 2);
    // the feature model takes over the pipeline and closes it
    try (StableDiffusionFeatureModel fm = new StableDiffusionFeatureModel(sd, "sd21", sd.source(),
        modelOptions(batch))) {
      gridCase(fm, "sd21", 512, batch, gridImages != null ? gridImages : 1, 0);
    }
  }

  /**
   * Times full forwards at each batch size, recording the nine paper taps and the noise
   * prediction (mean-pooled), with each --kernels setting and, with --compare, diffusers, in
   * alternating rounds; returns the batch with the most latents per second (0 if none ran).
   */
  private int unetCases(UNet unet, String modelName, Path modelConfig, int latent, List<Integer> batches, int iters) {
    int bestBatch = 0;
    double bestRate = 0;
    List<Kernels> settings = kernelSettings == null ? List.of(unet.kernels())
        : kernelSettings.stream().map(Kernels::parse).toList();
    int roundCount = rounds != null ? rounds : compare ? 2 : 1;
    if (roundCount < 1) {
      throw new IllegalArgumentException("--rounds must be >= 1, got " + roundCount);
    }
    List<String> taps = new ArrayList<>(Taps.paths(Taps.paper(unet.config())));
    taps.add("out");
    for (int batch : batches) {
      String name = "unet-" + modelName + "-" + latent + "-b" + batch;
      if (!selected(name)) {
        continue;
      }
      ResidentMemory.resetPeak();
      UNetFlops flops = UNetFlops.of(unet.config(), batch, latent, latent, CONTEXT_TOKENS);
      try (NDManager m = NDManager.newBaseManager(unet.placement().device());
          PeerProcess peer = compare ? PeerProcess.start("diffusers peer",
              peerArguments(modelName, modelConfig, latent, batch, iters))
              : null) {
        SplittableRandom rng = new SplittableRandom(batch * 1000L + latent);
        NDArray latents = m.create(uniform(rng, batch * 4 * latent * latent), new Shape(batch, 4, latent, latent));
        int width = unet.config().crossAttentionDims().get(0);
        NDArray context = m.create(uniform(rng, batch * CONTEXT_TOKENS * width),
            new Shape(batch, CONTEXT_TOKENS, width));
        Map<Kernels, Double> bestJava = new LinkedHashMap<>();
        double bestPeer = 0;
        for (int round = 1; round <= roundCount; round++) {
          for (Kernels kernels : settings) {
            UNet variant = unet.using(kernels);
            if (round == 1) {
              for (int i = 0; i < warmup; i++) {
                progress(name + " [" + kernels + "]: warm-up " + (i + 1) + "/" + warmup);
                variant.forward(latents, new float[] {500}, context, taps, Pooling.MEAN);
              }
            }
            progress(name + " [" + kernels + "]: round " + round + "/" + roundCount + ", " + iters + " iteration(s)");
            long start = System.nanoTime();
            for (int i = 0; i < iters; i++) {
              variant.forward(latents, new float[] {500}, context, taps, Pooling.MEAN);
            }
            double forwardsPerS = iters / ((System.nanoTime() - start) / 1e9);
            ObjectNode r = caseNode(name, modelName, latent, batch, iters);
            r.put("forwards_per_s", round(forwardsPerS));
            r.put("latents_per_s", round(forwardsPerS * batch));
            r.put("ms_per_forward", round(1000 / forwardsPerS));
            r.put("gflop_per_forward", round(flops.total() / 1e9));
            r.put("gflops_per_s", round(flops.total() / 1e9 * forwardsPerS));
            r.put("impl", "java");
            r.put("kernels", kernels.toString());
            r.put("round", round);
            emit(r);
            bestJava.merge(kernels, forwardsPerS, Math::max);
          }
          if (peer != null) {
            progress(name + " [diffusers]: round " + round + "/" + roundCount + ", " + iters + " iteration(s)");
            ObjectNode r = peer.measure();
            r.put("round", round);
            emit(r);
            bestPeer = Math.max(bestPeer, r.get("forwards_per_s").asDouble());
          }
        }
        if (profileDir != null) {
          for (Kernels kernels : settings) {
            UNet variant = unet.using(kernels);
            progress(name + " [" + kernels + "]: profiled forward");
            emitProfile(name, kernels, ForwardProfile.of(
                () -> variant.forward(latents, new float[] {500}, context, taps, Pooling.MEAN),
                profileDir.resolve(name + "-" + kernels.toString().replace(',', '+') + ".trace.json")));
          }
        }
        if (peer != null) {
          for (Map.Entry<Kernels, Double> e : bestJava.entrySet()) {
            ObjectNode r = JSON.createObjectNode();
            r.put("case", name);
            r.put("compare", "java/diffusers");
            r.put("latent", latent);
            r.put("batch", batch);
            r.put("kernels", e.getKey().toString());
            r.put("rounds", roundCount);
            r.put("java_ms_per_forward", round(1000 / e.getValue()));
            r.put("diffusers_ms_per_forward", round(1000 / bestPeer));
            r.put("speedup", round(e.getValue() / bestPeer));
            emitWithoutTable(r);
          }
        }
        double rate = bestJava.get(settings.get(0)) * batch;
        if (rate > bestRate) {
          bestRate = rate;
          bestBatch = batch;
        }
      }
    }
    return bestBatch;
  }

  /**
   * The SD3-medium transformer at latents 32 and 64, batch 1: seeded random weights, every block's
   * token mean recorded; then, with --compare, the diffusers peer on the same config and shapes.
   */
  private void benchSd3Medium() {
    Placement placement = modelFlags.placement();
    int iters = iterations != null ? iterations : placement.device().isGpu() ? 10 : 2;
    int roundCount = rounds != null ? rounds : 1;
    Sd3TransformerConfig config = Sd3TransformerConfig.SD3_MEDIUM;
    List<String> taps = Sd3Taps.blocks(config).stream().map(Tap::path).toList();
    Map<Integer, Double> bestJava = new LinkedHashMap<>();
    List<Integer> latents = List.of(32, 64).stream().filter(l -> selected("mmdit-sd3m-" + l + "-b1")).toList();
    if (latents.isEmpty()) {
      return;
    }
    ResidentMemory.resetPeak();
    progress("sd3m: drawing random weights for the SD3-medium transformer");
    long start = System.nanoTime();
    try (Sd3Transformer transformer = Sd3Transformer.of(config, RandomWeights.draw(Sd3Parameters.transformer(config),
        n -> true, placement, 3, "random sd3-medium transformer"))) {
      progress(String.format("sd3m: %,d transformer parameters ready in %.1f s, %d MiB resident",
          transformer.parameters(), (System.nanoTime() - start) / 1e9, ResidentMemory.mebibytes()));
      for (int latent : latents) {
        String name = "mmdit-sd3m-" + latent + "-b1";
        ResidentMemory.resetPeak();
        try (NDManager m = NDManager.newBaseManager(placement.device())) {
          SplittableRandom rng = new SplittableRandom(latent);
          NDArray x = m.create(uniform(rng, 16 * latent * latent), new Shape(1, 16, latent, latent));
          NDArray context = m.create(uniform(rng, SD3_CONTEXT_TOKENS * config.jointAttentionDim()),
              new Shape(1, SD3_CONTEXT_TOKENS, config.jointAttentionDim()));
          NDArray pooled = m.create(uniform(rng, config.pooledProjectionDim()), new Shape(1, config.pooledProjectionDim()));
          for (int i = 0; i < warmup; i++) {
            progress(name + ": warm-up " + (i + 1) + "/" + warmup);
            transformer.forward(x, new float[] {500}, context, pooled, taps, Pooling.MEAN);
          }
          for (int round = 1; round <= roundCount; round++) {
            progress(name + ": round " + round + "/" + roundCount + ", " + iters + " iteration(s)");
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) {
              transformer.forward(x, new float[] {500}, context, pooled, taps, Pooling.MEAN);
            }
            double forwardsPerS = iters / ((System.nanoTime() - t0) / 1e9);
            ObjectNode r = caseNode(name, "sd3m", latent, 1, iters);
            r.put("forwards_per_s", round(forwardsPerS));
            r.put("latents_per_s", round(forwardsPerS));
            r.put("ms_per_forward", round(1000 / forwardsPerS));
            r.put("impl", "java");
            r.put("kernels", Kernels.configured().toString());
            r.put("round", round);
            emit(r);
            bestJava.merge(latent, forwardsPerS, Math::max);
          }
        }
      }
    }
    if (!compare) {
      return;
    }
    for (int latent : latents) {
      String name = "mmdit-sd3m-" + latent + "-b1";
      List<String> command = new ArrayList<>(List.of(peerCommand.trim().split("\\s+")));
      command.addAll(List.of("--model", "sd3m", "--latent", String.valueOf(latent), "--batch", "1",
          "--warmup", String.valueOf(Math.max(1, warmup)), "--iterations", String.valueOf(iters),
          "--threads", String.valueOf(modelFlags.engineThreads()), "--serve"));
      double bestPeer = 0;
      try (PeerProcess peer = PeerProcess.start("diffusers peer", command)) {
        for (int round = 1; round <= roundCount; round++) {
          progress(name + " [diffusers]: round " + round + "/" + roundCount + ", " + iters + " iteration(s)");
          ObjectNode r = peer.measure();
          r.put("round", round);
          emit(r);
          bestPeer = Math.max(bestPeer, r.get("forwards_per_s").asDouble());
        }
      }
      ObjectNode r = JSON.createObjectNode();
      r.put("case", name);
      r.put("compare", "java/diffusers");
      r.put("latent", latent);
      r.put("batch", 1);
      r.put("rounds", roundCount);
      r.put("java_ms_per_forward", round(1000 / bestJava.get(latent)));
      r.put("diffusers_ms_per_forward", round(1000 / bestPeer));
      r.put("speedup", round(bestJava.get(latent) / bestPeer));
      r.put("load_avg_1m", loadAverage());
      emitWithoutTable(r);
    }
  }

  /** A "profile" line: the trace's path and the operators that take the first 95% of the forward. */
  private void emitProfile(String name, Kernels kernels, ForwardProfile profile) {
    ObjectNode r = JSON.createObjectNode();
    r.put("case", name);
    r.put("kernels", kernels.toString());
    profile.describe(r, 1);
    emitWithoutTable(r);
  }

  /** The peer script's arguments for one UNet case, matching this run's settings. */
  private List<String> peerArguments(String modelName, Path modelConfig, int latent, int batch, int iters) {
    List<String> command = new ArrayList<>(List.of(peerCommand.trim().split("\\s+")));
    command.addAll(List.of("--config", modelConfig.toString(), "--model", modelName,
        "--latent", String.valueOf(latent), "--batch", String.valueOf(batch),
        "--warmup", String.valueOf(Math.max(1, warmup)), "--iterations", String.valueOf(iters),
        "--threads", String.valueOf(modelFlags.engineThreads()),
        "--device", modelFlags.placement().device().isGpu() ? "cuda" : "cpu",
        "--dtype", modelFlags.placement().dtype() == ai.djl.ndarray.types.DataType.FLOAT16 ? "float16" : "float32",
        "--serve"));
    return command;
  }

  /**
   * A peer script (bench/peer_diffusers.py, bench/peer_vision.py) in --serve mode: built and
   * warmed up once, then one timed case per request line, answered with one JSON line (its
   * stderr goes to ours).
   */
  static final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final java.io.BufferedReader answers;
    private final java.io.Writer requests;
    private final String what;
    private final List<String> command;

    private PeerProcess(Process process, String what, List<String> command) {
      this.process = process;
      this.what = what;
      this.command = command;
      this.answers = process.inputReader(java.nio.charset.StandardCharsets.UTF_8);
      this.requests = process.outputWriter(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** @param what the peer's name in messages ("diffusers peer") */
    static PeerProcess start(String what, List<String> command) {
      try {
        progress("starting the " + what + ": " + String.join(" ", command));
        // Its environment is left alone: the JDK then hands the child this process's C environment as it is
        // now, with the OpenMP wait settings main set (environment() would start from the JVM's copy taken
        // before), so the peer's threads wait as ours do. PeerProcessTest holds that.
        return new PeerProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start(),
            what, command);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot start the " + what + " '" + String.join(" ", command) + "': "
            + e.getMessage() + " (see --peer-command, --vision-peer-command)");
      }
    }

    ObjectNode measure() {
      try {
        requests.write("run\n");
        requests.flush();
        String line = answers.readLine();
        if (line == null) {
          throw new IllegalArgumentException("the " + what + " '" + String.join(" ", command)
              + "' exited without a result (its messages are above)");
        }
        return (ObjectNode) JSON.readTree(line);
      } catch (IOException e) {
        throw new UncheckedIOException("talking to the " + what, e);
      }
    }

    @Override
    public void close() {
      process.destroy();
    }
  }

  /**
   * {@code dispatch}: what one operator call costs apart from its arithmetic, on [1, 8, 1, 1]
   * arrays: a DJL eager operator (an add), a call into the fused TorchScript module doing one
   * operator (channels_last), and one doing two ({@code group_norm_silu}). Multiplied by the
   * calls of a forward this says how much of a forward is dispatch (see docs/benchmarks.md).
   */
  private void dispatchCase() {
    int calls = 20_000;
    try (NDManager m = NDManager.newBaseManager(modelFlags.placement().device())) {
      NDArray x = m.ones(new Shape(1, 8, 1, 1));
      NDArray w = m.ones(new Shape(8));
      NDArray b = m.zeros(new Shape(8));
      Kernels viaTorchScript = Kernels.parse("fused,channels_last"); // layout() is then one TorchScript call
      double[] us = new double[3];
      for (int pass = 0; pass < 2; pass++) { // the first pass warms up
        us[0] = perCallMicros(calls, () -> x.add(x).close());
        us[1] = perCallMicros(calls, () -> viaTorchScript.layout(x).close());
        us[2] = perCallMicros(calls, () -> viaTorchScript.groupNorm(x, 4, w, b, 1e-5f, true).close());
      }
      ObjectNode r = JSON.createObjectNode();
      r.put("case", "dispatch");
      r.put("device", modelFlags.device());
      r.put("threads", modelFlags.engineThreads());
      r.put("calls", calls);
      r.put("djl_op_us", round(us[0]));
      r.put("torchscript_call_us", round(us[1]));
      r.put("torchscript_group_norm_silu_us", round(us[2]));
      emitWithoutTable(r);
    }
  }

  private static double perCallMicros(int calls, Runnable call) {
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      call.run();
    }
    return (System.nanoTime() - start) / 1e3 / calls;
  }

  /**
   * Times one extract call of {@code images} fresh images on the full grid, after {@code warmups}
   * calls of one image each (which also put the empty prompt in the text cache, as in a long run).
   */
  private void gridCase(StableDiffusionFeatureModel fm, String modelName, int resolution, int batch, int images,
      int warmups) {
    String name = "grid-" + modelName + "-" + resolution;
    ResidentMemory.resetPeak();
    SyntheticImages source = new SyntheticImages(resolution, 7);
    for (int i = 0; i < warmups; i++) {
      progress(name + ": warm-up " + (i + 1) + "/" + warmups + " (1 image)");
      fm.extract(source.inputs(1, PAPER_NOISE_LEVELS, LatentMode.SAMPLE));
    }
    long forwards0 = fm.unetForwards();
    long samples0 = fm.unetSamples();
    long vae0 = fm.vaeImagesEncoded();
    long prompts0 = fm.promptsEncoded();
    int side = fm.pipeline().latentSide(resolution);
    progress(name + ": " + images + " image(s) x " + PAPER_NOISE_LEVELS.size() + " noise levels x 2 conditionings, "
        + "UNet batch " + batch + " (capped to " + fm.effectiveUnetBatch(side) + " by the attention memory budget)");
    long start = System.nanoTime();
    int features = fm.extract(source.inputs(images, PAPER_NOISE_LEVELS, LatentMode.SAMPLE)).size();
    double seconds = (System.nanoTime() - start) / 1e9;
    ObjectNode r = caseNode(name, modelName, side, fm.effectiveUnetBatch(side), 1);
    r.put("resolution", resolution);
    r.put("images", images);
    r.put("noise_levels", PAPER_NOISE_LEVELS.size());
    r.put("conditionings", 2);
    r.put("taps", fm.taps().size());
    r.put("features", features);
    r.put("unet_forwards", fm.unetForwards() - forwards0);
    r.put("unet_samples", fm.unetSamples() - samples0);
    r.put("vae_images", fm.vaeImagesEncoded() - vae0);
    r.put("prompts_encoded", fm.promptsEncoded() - prompts0);
    r.put("seconds", round(seconds));
    r.put("grid_images_per_s", round(images / seconds));
    r.put("s_per_image", round(seconds / images));
    emit(r);
  }

  private int gridBatch(Integer bestMeasured, int fallback) {
    if (spec.commandLine().getParseResult().hasMatchedOption("--unet-batch")) {
      return modelFlags.unetBatch();
    }
    return bestMeasured != null && bestMeasured > 0 ? bestMeasured : fallback;
  }

  private ModelOptions modelOptions(int batch) {
    return modelFlags.toOptions(16, "default", "mean").withUnetBatch(batch);
  }

  private ObjectNode caseNode(String name, String modelName, int latent, int batch, int iters) {
    ObjectNode r = JSON.createObjectNode();
    r.put("case", name);
    r.put("model", modelName);
    r.put("latent", latent);
    r.put("batch", batch);
    r.put("device", modelFlags.device());
    r.put("dtype", modelFlags.dtype());
    r.put("threads", modelFlags.engineThreads());
    r.put("iterations", iters);
    r.put("peak_rss_mib", ResidentMemory.peakMebibytes()); // since the case started (ResidentMemory.resetPeak)
    return r;
  }

  /** The 1-minute load average: on a shared machine it says how much of the CPU this run had. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private void emitWithoutTable(ObjectNode r) {
    r.put("load_avg_1m", loadAverage());
    System.out.println(r.toString());
    System.out.flush();
  }

  private void emit(ObjectNode r) {
    r.put("load_avg_1m", loadAverage());
    results.add(r);
    System.out.println(r.toString());
    System.out.flush();
  }

  private void printTable() {
    PrintStream err = System.err;
    err.println();
    err.printf("%-18s %6s %5s %10s %10s %12s %10s %12s%n", "case", "latent", "batch", "fwd/s", "latents/s",
        "GFLOP/fwd", "GFLOP/s", "grid img/s");
    for (ObjectNode r : results) {
      if (!r.has("latent")) { // a vision case
        err.printf("%-36s %-12s %5d %10s img/s %10s ms/batch %s%n", r.get("case").asText(), r.get("impl").asText(),
            r.get("batch").asInt(), text(r, "images_per_s"), text(r, "ms_per_batch"),
            r.has("overhead_share") ? "overhead " + text(r, "overhead_share") : "");
        continue;
      }
      err.printf("%-18s %6d %5d %10s %10s %12s %10s %12s%n", r.get("case").asText(), r.get("latent").asInt(),
          r.get("batch").asInt(), text(r, "forwards_per_s"), text(r, "latents_per_s"), text(r, "gflop_per_forward"),
          text(r, "gflops_per_s"), text(r, "grid_images_per_s"));
    }
  }

  private static String text(ObjectNode r, String field) {
    return r.has(field) ? r.get(field).asText() : "-";
  }

  private boolean selected(String name) {
    return Pattern.compile(cases).matcher(name).find();
  }

  static void progress(String message) {
    System.err.println("[bench] " + message);
    System.err.flush();
  }

  static double round(double v) {
    if (v == 0 || !Double.isFinite(v)) {
      return v;
    }
    double scale = Math.pow(10, 3 - Math.ceil(Math.log10(Math.abs(v))));
    return Math.round(v * scale) / scale;
  }

  private static float[] uniform(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    return v;
  }

  /** Distinct synthetic images (random colour blocks) and concepts, so that no cache can help. */
  static final class SyntheticImages {
    private final int side;
    private final SplittableRandom rng;
    private int next;

    SyntheticImages(int side, long seed) {
      this.side = side;
      this.rng = new SplittableRandom(seed);
    }

    List<ImageInput> inputs(int count, List<Double> noiseLevels, LatentMode latent) {
      List<ImageInput> list = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int id = next++;
        list.add(new ImageInput("item" + id, "thing_" + letters(id), image(), noiseLevels, List.of(),
            List.of(Conditioning.NONE, Conditioning.TEXT), id, side, latent));
      }
      return list;
    }

    private BufferedImage image() {
      BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
      int blocks = 4;
      int cell = side / blocks;
      for (int by = 0; by < blocks; by++) {
        for (int bx = 0; bx < blocks; bx++) {
          int rgb = rng.nextInt(1 << 24);
          for (int y = by * cell; y < (by + 1) * cell; y++) {
            for (int x = bx * cell; x < (bx + 1) * cell; x++) {
              image.setRGB(x, y, rgb ^ (rng.nextInt(16) * 0x010101));
            }
          }
        }
      }
      return image;
    }

    /** A concept name without digits (the prompt removes digits): 0 -> a, 25 -> z, 26 -> ba, ... */
    static String letters(int n) {
      StringBuilder s = new StringBuilder();
      do {
        s.append((char) ('a' + n % 26));
        n /= 26;
      } while (n > 0);
      return s.reverse().toString();
    }
  }

  /** The memory-flatness run of {@code --memory-check}. */
  static final class MemoryCheck {
    private final int images;
    private final int sampleEvery;
    private final int resolution;
    private final ModelOptions options;
    private final PrintStream out;
    private final PrintStream err;

    MemoryCheck(int images, int sampleEvery, int resolution, ModelOptions options, PrintStream out, PrintStream err) {
      if (images < 1 || sampleEvery < 1) {
        throw new IllegalArgumentException("--images and --sample-every must be >= 1");
      }
      this.images = images;
      this.sampleEvery = sampleEvery;
      this.resolution = resolution;
      this.options = options;
      this.out = out;
      this.err = err;
    }

    void run() {
      int perCall = 16;
      try (FeatureModel model = FeatureModels.open("tiny", "tiny", options)) {
        StableDiffusionFeatureModel fm = (StableDiffusionFeatureModel) model;
        SyntheticImages source = new SyntheticImages(resolution, 11);
        err.printf("memory check: %d tiny-model images of %d px, 1 noise level x {NONE, TEXT}, %d taps, %d images "
            + "per call, UNet batch %d%n", images, resolution, fm.taps().size(), perCall, options.unetBatch());
        err.printf("%8s %9s %9s %9s %10s %12s %10s %10s%n", "images", "seconds", "img/s", "RSS MB", "heap MB",
            "live arrays", "VAE imgs", "UNet fwds");
        long start = System.nanoTime();
        long windowStart = start;
        int done = 0;
        int lastSample = 0;
        sample(fm, 0, 0, 0);
        while (done < images) {
          int n = Math.min(perCall, images - done);
          List<Feature> features = fm.extract(source.inputs(n, List.of(0.5), LatentMode.SAMPLE));
          if (features.size() != n * 2 * fm.taps().size()) {
            throw new IllegalStateException("expected " + n * 2 * fm.taps().size() + " features, got " + features.size());
          }
          done += n;
          if (done - lastSample >= sampleEvery || done == images) {
            long now = System.nanoTime();
            sample(fm, done, (now - start) / 1e9, (done - lastSample) / ((now - windowStart) / 1e9));
            windowStart = now;
            lastSample = done;
          }
        }
      }
    }

    private void sample(StableDiffusionFeatureModel fm, int done, double seconds, double rate) {
      Runtime rt = Runtime.getRuntime();
      long heap = (rt.totalMemory() - rt.freeMemory()) >> 20;
      long rss = ResidentMemory.mebibytes();
      ObjectNode r = JSON.createObjectNode();
      r.put("case", "memory-tiny-" + resolution);
      r.put("images", done);
      r.put("seconds", round(seconds));
      r.put("images_per_s", round(rate));
      r.put("rss_mb", rss);
      r.put("heap_used_mb", heap);
      r.put("live_arrays", fm.liveArrays());
      r.put("vae_images", fm.vaeImagesEncoded());
      r.put("prompts_encoded", fm.promptsEncoded());
      r.put("unet_forwards", fm.unetForwards());
      r.put("threads", JniUtils.getNumThreads());
      r.put("load_avg_1m", loadAverage());
      out.println(r.toString());
      out.flush();
      err.printf("%8d %9.1f %9.1f %9d %10d %12d %10d %10d%n", done, seconds, rate, rss, heap, fm.liveArrays(),
          fm.vaeImagesEncoded(), fm.unetForwards());
    }
  }
}
