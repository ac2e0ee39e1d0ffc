package io.alignstream.extractor.sd3;

import ai.djl.ndarray.types.DataType;
import io.alignstream.extractor.diffusion.LatentDiffusion;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.StableDiffusion;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.vae.VaeDecoder;
import io.alignstream.extractor.diffusion.vae.VaeEncoder;
import io.alignstream.extractor.nn.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The parts of a Stable Diffusion 3 pipeline the feature protocol runs, loaded once: three
 * tokenizers and text encoders ({@link Sd3TextEncoders}), the 16-channel VAE encoder, the MMDiT
 * ({@link Sd3Transformer}) and the flow-matching schedule, with the digests that identify them; and
 * the VAE decoder, which only {@code reconstruct} needs, loaded from the same folder on first use.
 *
 * <p>The VAE always computes in float32 (diffusers upcasts SD3's VAE too); T5 is optional: absent
 * from the checkpoint, or dropped by the caller to save its 4.7 B parameters, the context gets
 * diffusers' zero stand-in (docs/method.md).
 */
public final class StableDiffusion3 implements LatentDiffusion {

  /** The pipeline's max_sequence_length default: T5 reads this many tokens. */
  public static final int T5_TOKENS = 256;
  private final String source;
  private final Sd3TextEncoders text;
  private final VaeEncoder vae;
  private final Sd3Transformer transformer;
  private final FlowMatchSchedule schedule;
  private final String configDigest;
  private final String weightsDigest;
  private final Supplier<VaeDecoder> decoderLoader;
  private VaeDecoder decoder;

  private StableDiffusion3(String source, Sd3TextEncoders text, VaeEncoder vae, Sd3Transformer transformer,
      FlowMatchSchedule schedule, String configDigest, String weightsDigest, Supplier<VaeDecoder> decoderLoader) {
    this.source = source;
    this.text = text;
    this.vae = vae;
    this.transformer = transformer;
    this.schedule = schedule;
    this.configDigest = configDigest;
    this.weightsDigest = weightsDigest;
    this.decoderLoader = decoderLoader;
  }

  /** Whether a pipeline folder is an SD3 one (its model_index.json lists a transformer and no unet). */
  public static boolean isSd3(PipelineFolder pipeline) {
    return pipeline.components().containsKey("transformer") && !pipeline.components().containsKey("unet");
  }

  /** Whether a resolved model is an SD3 pipeline folder (a single-file checkpoint is SD 1.x / 2.x). */
  public static boolean isSd3(PipelineReference reference) {
    return reference.pipeline() != null && isSd3(reference.pipeline());
  }

  /**
   * Loads a diffusers SD3 pipeline folder on a device in a compute dtype.
   *
   * @param withT5 false to leave T5 out even when the folder has it (the zero stand-in then applies)
   */
  public static StableDiffusion3 open(PipelineFolder pipeline, Placement placement, boolean withT5) {
    FlowMatchSchedule schedule = FlowMatchSchedule.fromConfig(pipeline.component("scheduler",
        "FlowMatchEulerDiscreteScheduler"));
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Sd3TextEncoders.Clip clipL = clip(pipeline, "tokenizer", "text_encoder", placement, opened);
      Sd3TextEncoders.Clip clipG = clip(pipeline, "tokenizer_2", "text_encoder_2", placement, opened);
      Sd3TextEncoders.T5 t5 = null;
      boolean hasT5 = pipeline.components().containsKey("text_encoder_3");
      if (withT5 && hasT5) {
        ComponentFolder folder = pipeline.component("text_encoder_3", "T5EncoderModel");
        T5Config config = T5Config.parse(folder.configReader());
        Sd3Parameters.t5Encoder(config).verify(
            ParameterLayout.inHeaders(folder.weightFiles()), folder);
        T5Encoder encoder = new T5Encoder(config, folder.loadWeights(placement, "shared.", "encoder."));
        opened.add(encoder);
        t5 = new Sd3TextEncoders.T5(T5Tokenizer.load(pipeline.component("tokenizer_3", "T5TokenizerFast",
            "T5Tokenizer"), T5_TOKENS), encoder);
      }
      Placement vaePlacement = new Placement(placement.device(), DataType.FLOAT32);
      VaeEncoder vae = new VaeEncoder(pipeline.component("vae", "AutoencoderKL"), vaePlacement);
      opened.add(vae);
      Sd3Transformer transformer = Sd3Transformer.load(pipeline.component("transformer", "SD3Transformer2DModel"),
          placement);
      opened.add(transformer);
      Sd3TextEncoders text = new Sd3TextEncoders(clipL, clipG, t5, transformer.config().jointAttentionDim());
      List<String> weighted = new ArrayList<>(List.of("text_encoder", "text_encoder_2", "transformer", "vae"));
      if (t5 != null) {
        weighted.add(2, "text_encoder_3");
      }
      return new StableDiffusion3(pipeline.dir().toAbsolutePath().normalize().toString(), text, vae, transformer,
          schedule, pipeline.configDigest(), pipeline.weightsDigest(weighted.toArray(String[]::new)),
          () -> VaeDecoder.load(pipeline, vaePlacement));
    } catch (RuntimeException e) {
      StableDiffusion.closeAll(opened);
      throw e;
    }
  }

  private static Sd3TextEncoders.Clip clip(PipelineFolder pipeline, String tokenizer, String encoder,
      Placement placement, List<AutoCloseable> opened) {
    ClipTokenizer tok = ClipTokenizer.load(pipeline.component(tokenizer, "CLIPTokenizer", "CLIPTokenizerFast"));
    ComponentFolder folder = pipeline.component(encoder, "CLIPTextModelWithProjection");
    ClipTextConfig config = ClipTextConfig.parse(folder.configReader());
    int projection = folder.configReader().intOr("projection_dim", config.hiddenSize());
    Sd3Parameters.clipWithProjection(config, projection).verify(
        ParameterLayout.inHeaders(folder.weightFiles()), folder);
    ClipTextEncoder text = new ClipTextEncoder(config, folder.loadWeights(placement, "text_model.", "text_projection."));
    opened.add(text);
    if (tok.vocabSize() > config.vocabSize()) {
      throw new CheckpointException(pipeline.dir().resolve(tokenizer) + " has " + tok.vocabSize()
          + " tokens, more than the " + config.vocabSize() + " rows of " + encoder + "'s embedding");
    }
    return new Sd3TextEncoders.Clip(tok, text);
  }

  /** Folder (or description) the pipeline came from. */
  @Override
  public String source() {
    return source;
  }

  public Sd3TextEncoders text() {
    return text;
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

  public Sd3Transformer transformer() {
    return transformer;
  }

  public FlowMatchSchedule schedule() {
    return schedule;
  }

  @Override
  public Placement placement() {
    return transformer.placement();
  }

  @Override
  public String configDigest() {
    return configDigest;
  }

  @Override
  public String weightsDigest() {
    return weightsDigest;
  }

  /** Whether T5 runs (false: the zero stand-in). */
  public boolean hasT5() {
    return text.t5() != null;
  }

  @Override
  public int denoiserDownsampling() {
    return transformer.config().patchSize();
  }

  @Override
  public String denoiserDownsamplingInWords() {
    return "the transformer cuts the latent into " + transformer.config().patchSize() + " x "
        + transformer.config().patchSize() + " patches";
  }

  /**
   * The latent side for an image side.
   *
   * @throws IllegalArgumentException unless the resolution is a positive multiple of {@link #resolutionMultiple()}
   *     whose patch grid fits the position table
   */
  @Override
  public int latentSide(int resolution) {
    int side = LatentDiffusion.super.latentSide(resolution);
    int grid = side / transformer.config().patchSize();
    if (grid > transformer.config().posEmbedMaxSize()) {
      throw new IllegalArgumentException("resolution " + resolution + " gives " + grid + " patches per side, more than "
          + "the transformer's position table (" + transformer.config().posEmbedMaxSize() + ", i.e. at most "
          + transformer.config().posEmbedMaxSize() * resolutionMultiple() + " pixels)");
    }
    return side;
  }

  @Override
  public synchronized void close() {
    StableDiffusion.closeAll(decoder == null ? List.of(transformer, vae, text)
        : List.of(decoder, transformer, vae, text));
  }
}
