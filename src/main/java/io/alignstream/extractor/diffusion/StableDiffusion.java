package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.types.DataType;
import io.alignstream.common.Digests;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.text.ClipTextParameters;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.unet.UNet;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.unet.UNetParameters;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import io.alignstream.extractor.diffusion.vae.VaeDecoder;
import io.alignstream.extractor.diffusion.vae.VaeEncoder;
import io.alignstream.extractor.diffusion.vae.VaeParameters;
import io.alignstream.extractor.nn.Placement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The parts of a Stable Diffusion pipeline the feature protocol runs, loaded once: tokenizer,
 * CLIP text encoder, VAE encoder, UNet and the noise schedule, with the digests that identify
 * them in every record; and the VAE decoder, which only {@code reconstruct} needs, loaded from
 * the same source on first use.
 *
 * <p>The VAE always computes in float32, on the pipeline's device: SD 2.x's VAE overflows in
 * float16 (diffusers sets {@code force_upcast} for it), and it runs once per image, so the
 * cost is small next to the UNet's forwards.
 */
public final class StableDiffusion implements LatentDiffusion {

  private final String source;
  private final ClipTokenizer tokenizer;
  private final ClipTextEncoder textEncoder;
  private final VaeEncoder vae;
  private final UNet unet;
  private final NoiseSchedule schedule;
  private final String scheduler;
  private final String configDigest;
  private final String weightsDigest;
  private final Supplier<VaeDecoder> decoderLoader;
  private VaeDecoder decoder;

  private StableDiffusion(
      String source, ClipTokenizer tokenizer, ClipTextEncoder textEncoder, VaeEncoder vae, UNet unet,
      NoiseSchedule schedule, String scheduler, String configDigest, String weightsDigest,
      Supplier<VaeDecoder> decoderLoader) {
    this.source = source;
    this.tokenizer = tokenizer;
    this.textEncoder = textEncoder;
    this.vae = vae;
    this.unet = unet;
    this.schedule = schedule;
    this.scheduler = scheduler;
    this.configDigest = configDigest;
    this.weightsDigest = weightsDigest;
    this.decoderLoader = decoderLoader;
  }

  /** Loads a diffusers pipeline folder (SD 1.x / 2.x layout) on a device in a compute dtype. */
  public static StableDiffusion open(PipelineFolder pipeline, Placement placement) {
    ClipTokenizer tokenizer = ClipTokenizer.load(pipeline.component("tokenizer", "CLIPTokenizer", "CLIPTokenizerFast"));
    ComponentFolder schedulerFolder = pipeline.component("scheduler");
    NoiseSchedule schedule = NoiseSchedule.fromConfig(schedulerFolder);
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      ClipTextEncoder text = ClipTextEncoder.load(pipeline, placement);
      opened.add(text);
      VaeEncoder vae = VaeEncoder.load(pipeline, vaePlacement(placement));
      opened.add(vae);
      UNet unet = UNet.load(pipeline, placement);
      opened.add(unet);
      return new StableDiffusion(pipeline.dir().toAbsolutePath().normalize().toString(), tokenizer, text, vae, unet,
          schedule, String.valueOf(schedulerFolder.className()), pipeline.configDigest(),
          pipeline.weightsDigest("text_encoder", "unet", "vae"),
          () -> VaeDecoder.load(pipeline, vaePlacement(placement)));
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * Loads an original-format single-file checkpoint (see {@link SingleFileCheckpoint}) on a device
   * in a compute dtype; the weights are read straight from the file under their diffusers names.
   */
  public static StableDiffusion open(SingleFileCheckpoint checkpoint, Placement placement) {
    Path file = checkpoint.file();
    String digest = checkpoint.weightsDigest();
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      ClipTextEncoder text = new ClipTextEncoder(checkpoint.textConfig(), WeightStore.load(file,
          checkpoint.textView(), "text encoder of " + checkpoint, placement, digest, "text_model."));
      opened.add(text);
      VaeEncoder vae = new VaeEncoder(checkpoint.vaeConfig(), WeightStore.load(file, checkpoint.vaeView(),
          "VAE of " + checkpoint, vaePlacement(placement), digest, "encoder.", "quant_conv."));
      opened.add(vae);
      WeightStore unetWeights = WeightStore.load(file, checkpoint.unetView(), "UNet of " + checkpoint, placement,
          digest);
      opened.add(unetWeights);
      UNet unet = UNet.of(checkpoint.unetConfig(), unetWeights);
      return new StableDiffusion(file.toAbsolutePath().normalize().toString(), checkpoint.tokenizer(), text, vae, unet,
          NoiseSchedule.fromConfig(checkpoint.schedulerConfig()), checkpoint.schedulerClass(),
          checkpoint.configDigest(), digest, () -> new VaeDecoder(checkpoint.vaeConfig(), WeightStore.load(file,
              checkpoint.vaeView(), "VAE of " + checkpoint, vaePlacement(placement), digest, "decoder.",
              "post_quant_conv.")));
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * The architecture of a folder of component configs without weights (such as
   * {@code fixtures/sd21-configs}: unet/, vae/, text_encoder/, scheduler/ each with its config),
   * instantiated with seeded random weights ({@link RandomWeights}); for benchmarks at the real
   * size. Such a folder has no tokenizer: pass any CLIP tokenizer whose ids fit the vocabulary.
   */
  public static StableDiffusion randomWeights(Path configDir, ClipTokenizer tokenizer, Placement placement, long seed) {
    ComponentFolder unetFolder = ComponentFolder.open(configDir.resolve("unet"), "unet", "UNet2DConditionModel");
    ComponentFolder vaeFolder = ComponentFolder.open(configDir.resolve("vae"), "vae", "AutoencoderKL");
    ComponentFolder textFolder = ComponentFolder.open(configDir.resolve("text_encoder"), "text_encoder", "CLIPTextModel");
    ComponentFolder schedulerFolder = ComponentFolder.open(configDir.resolve("scheduler"), "scheduler", null);
    UNetConfig unetConfig = UNetConfig.from(unetFolder);
    VaeConfig vaeConfig = VaeConfig.parse(vaeFolder.configReader());
    ClipTextConfig textConfig = ClipTextConfig.parse(textFolder.configReader());
    if (tokenizer.vocabSize() > textConfig.vocabSize()) {
      throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, more than the "
          + textConfig.vocabSize() + " rows of the text encoder's embedding");
    }
    String name = configDir.getFileName().toString();
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      ClipTextEncoder text = new ClipTextEncoder(textConfig, RandomWeights.draw(ClipTextParameters.of(textConfig),
          n -> true, placement, seed, "random " + name + " text_encoder"));
      opened.add(text);
      VaeEncoder vae = new VaeEncoder(vaeConfig, RandomWeights.draw(VaeParameters.of(vaeConfig),
          n -> n.startsWith("encoder.") || n.startsWith("quant_conv."), vaePlacement(placement), seed + 1,
          "random " + name + " vae"));
      opened.add(vae);
      WeightStore unetWeights = RandomWeights.draw(UNetParameters.of(unetConfig), n -> true, placement, seed + 2,
          "random " + name + " unet");
      opened.add(unetWeights);
      UNet unet = UNet.of(unetConfig, unetWeights);
      MessageDigest config = Digests.newSha256();
      for (ComponentFolder f : List.of(schedulerFolder, textFolder, unetFolder, vaeFolder)) {
        config.update(f.name().getBytes(StandardCharsets.UTF_8));
        config.update(f.configDigest().getBytes(StandardCharsets.US_ASCII));
      }
      MessageDigest weights = Digests.newSha256();
      for (String w : List.of(text.weights().weightsDigest(), unet.weightsDigest(), vae.weights().weightsDigest())) {
        weights.update(w.getBytes(StandardCharsets.US_ASCII));
      }
      return new StableDiffusion("random:" + configDir.toAbsolutePath().normalize() + "?seed=" + seed, tokenizer, text,
          vae, unet, NoiseSchedule.fromConfig(schedulerFolder),
          schedulerFolder.config().path("_class_name").asText("scheduler"), Digests.hex(config), Digests.hex(weights),
          () -> new VaeDecoder(vaeConfig, RandomWeights.draw(VaeParameters.of(vaeConfig),
              n -> n.startsWith("decoder.") || n.startsWith("post_quant_conv."), vaePlacement(placement), seed + 3,
              "random " + name + " vae decoder")));
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  private static Placement vaePlacement(Placement placement) {
    return new Placement(placement.device(), DataType.FLOAT32);
  }

  /** Closes every part, keeping the first failure's story: used when loading fails halfway and on close. */
  public static void closeAll(List<? extends AutoCloseable> parts) {
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (Exception suppressed) {
        // already failing; the original exception says why
      }
    }
  }

  /** Folder (or "random:..." description) the pipeline came from. */
  @Override
  public String source() {
    return source;
  }

  public ClipTokenizer tokenizer() {
    return tokenizer;
  }

  public ClipTextEncoder textEncoder() {
    return textEncoder;
  }

  @Override
  public VaeEncoder vae() {
    return vae;
  }

  @Override
  public synchronized VaeDecoder decoder() {
    if (decoder == null) {
      decoder = decoderLoader.get();
    }
    return decoder;
  }

  public UNet unet() {
    return unet;
  }

  /** The UNet's weight store (owned by the UNet). */
  public WeightStore unetWeights() {
    return unet.weights();
  }

  public NoiseSchedule schedule() {
    return schedule;
  }

  /** The scheduler class the pipeline names (its betas are what {@link #schedule()} reproduces). */
  public String scheduler() {
    return scheduler;
  }

  /** Device and compute dtype of the text encoder and UNet. */
  @Override
  public Placement placement() {
    return unet.placement();
  }

  /** See {@link PipelineFolder#configDigest()}. */
  @Override
  public String configDigest() {
    return configDigest;
  }

  /** See {@link PipelineFolder#weightsDigest(String...)} over text_encoder, unet and vae. */
  @Override
  public String weightsDigest() {
    return weightsDigest;
  }

  @Override
  public int denoiserDownsampling() {
    return unet.config().downsamplingFactor();
  }

  @Override
  public String denoiserDownsamplingInWords() {
    return "the UNet halves the latent " + Integer.numberOfTrailingZeros(unet.config().downsamplingFactor()) + " times";
  }

  @Override
  public synchronized void close() {
    closeAll(decoder == null ? List.of(unet, vae, textEncoder) : List.of(decoder, unet, vae, textEncoder));
  }
}
