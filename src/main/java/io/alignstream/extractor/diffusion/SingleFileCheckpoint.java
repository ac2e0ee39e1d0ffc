package io.alignstream.extractor.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.Digests;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.checkpoint.TensorInfo;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextParameters;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.text.ClipVocabulary;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.unet.UNetParameters;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import io.alignstream.extractor.diffusion.vae.VaeParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Stable Diffusion 1.x or 2.x checkpoint in one original-format (LDM / CompVis) safetensors
 * file, as A1111 and ComfyUI users keep them: UNet under {@code model.diffusion_model.}, VAE under
 * {@code first_stage_model.}, text encoder under {@code cond_stage_model.} (OpenAI CLIP names for
 * SD 1.x, OpenCLIP names for SD 2.x), fp32 or fp16.
 *
 * <p>The file names no architecture, so the component configs come from one of two places:
 * <ul>
 *   <li>inferred from the tensor names and shapes for the standard SD 1.x/2.x architectures,
 *       with what shapes cannot say taken from the family: GroupNorm 32, 8 heads per level for
 *       SD 1.x and heads of width 64 for SD 2.x (as the original LDM configs have it), the
 *       shipped CLIP vocabulary ({@link ClipVocabulary}), the scaled-linear 0.00085..0.012
 *       schedule;</li>
 *   <li>or a diffusers pipeline folder ({@code --pipeline-config}, as diffusers'
 *       {@code from_single_file(config=...)}): each of its {@code unet/}, {@code vae/},
 *       {@code text_encoder/}, {@code scheduler/} and {@code tokenizer/} that exists replaces the
 *       inferred one. That is the only way for architectures the shapes cannot describe (other
 *       group counts, per-level head counts).</li>
 * </ul>
 *
 * <p>Weights are views on the file ({@link LdmNames}): nothing is converted or copied before the
 * engine loads them. The text encoder runs as many layers as its config says: an OpenCLIP file
 * with its {@code text_projection} is the whole OpenCLIP model, of which SD 2.x uses all blocks but
 * the last ("penultimate"); a file without it was written from a diffusers pipeline and holds
 * exactly the layers that run. SDXL, inpainting and other UNet variants are refused with the
 * reason, and so is any pickled checkpoint (never unpickled: loading a pickle runs code).
 */
public final class SingleFileCheckpoint {

  private static final Logger LOG = LoggerFactory.getLogger(SingleFileCheckpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The two families this port runs, told apart by their text encoders. */
  public enum Family {
    SD1("SD 1.x (OpenAI CLIP ViT-L/14 text encoder)", 768, "quick_gelu", ClipVocabulary.EOS),
    SD2("SD 2.x (OpenCLIP ViT-H/14 text encoder)", 1024, "gelu", ClipVocabulary.SD2_PAD);

    private final String description;
    private final int contextDim;
    private final String activation;
    private final String pad;

    Family(String description, int contextDim, String activation, String pad) {
      this.description = description;
      this.contextDim = contextDim;
      this.activation = activation;
      this.pad = pad;
    }
  }

  /** Width of a head in SD 2.x (LDM's num_head_channels 64) and the count per level of SD 1.x (num_heads 8). */
  private static final int SD2_HEAD_WIDTH = 64;
  private static final int SD1_HEADS = 8;
  private static final int STANDARD_GROUPS = 32;

  private final Path file;
  private final Family family;
  private final UNetConfig unet;
  private final VaeConfig vae;
  private final ClipTextConfig text;
  private final ConfigReader scheduler;
  private final ClipTokenizer tokenizer;
  private final Map<String, String> configOrigins;
  private final String configDigest;
  private final String weightsDigest;
  private final Map<String, TensorInfo> unetView;
  private final Map<String, TensorInfo> vaeView;
  private final Map<String, TensorInfo> textView;

  private SingleFileCheckpoint(Path file, Map<String, TensorInfo> header, Path pipelineConfig, String weightsDigest) {
    this.file = file;
    this.weightsDigest = weightsDigest;
    refuseOtherModels(file, header);
    String textPrefix = textPrefix(file, header);
    this.family = textPrefix.equals(LdmNames.OPEN_CLIP) ? Family.SD2 : Family.SD1;
    Map<String, ConfigReader> configs = new LinkedHashMap<>();
    Map<String, byte[]> configBytes = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    for (String component : List.of("unet", "vae", "text_encoder", "scheduler")) {
      Path folder = pipelineConfig == null ? null : pipelineConfig.resolve(component);
      if (folder != null && Files.isDirectory(folder)) {
        ComponentFolder f = ComponentFolder.open(folder, component, null);
        configs.put(component, f.configReader());
        configBytes.put(component, f.configDigest().getBytes(StandardCharsets.US_ASCII));
        origins.put(component, f.configFile().toString());
      } else {
        ObjectNode node = infer(component, header);
        configs.put(component, new ConfigReader(node, Path.of(file + " (" + component + " config inferred from shapes)")));
        configBytes.put(component, node.toString().getBytes(StandardCharsets.UTF_8));
        origins.put(component, "inferred from the file's shapes");
      }
    }
    Path tokenizerFolder = pipelineConfig == null ? null : pipelineConfig.resolve("tokenizer");
    if (tokenizerFolder != null && Files.isDirectory(tokenizerFolder)) {
      ComponentFolder f = ComponentFolder.open(tokenizerFolder, "tokenizer", null);
      this.tokenizer = ClipTokenizer.load(f);
      configBytes.put("tokenizer", f.configDigest().getBytes(StandardCharsets.US_ASCII));
      origins.put("tokenizer", f.dir().toString());
    } else {
      this.tokenizer = ClipVocabulary.tokenizer(family.pad);
      configBytes.put("tokenizer", ("shipped CLIP BPE, pad " + family.pad).getBytes(StandardCharsets.UTF_8));
      origins.put("tokenizer", "the CLIP BPE vocabulary shipped with alignstream, padding with '" + family.pad + "'");
    }
    this.configOrigins = Collections.unmodifiableMap(origins);
    this.unet = UNetConfig.from(configs.get("unet"));
    this.vae = VaeConfig.parse(configs.get("vae"));
    this.text = ClipTextConfig.parse(configs.get("text_encoder"));
    this.scheduler = configs.get("scheduler");
    MessageDigest d = Digests.newSha256();
    d.update("ldm-single-file".getBytes(StandardCharsets.UTF_8));
    configBytes.forEach((name, bytes) -> {
      d.update(name.getBytes(StandardCharsets.UTF_8));
      d.update(bytes);
    });
    this.configDigest = Digests.hex(d);

    Set<String> used = new HashSet<>();
    this.unetView = view(header, UNetParameters.of(unet), LdmNames.unet(unet), "unet", used);
    this.vaeView = view(header, VaeParameters.of(vae), LdmNames.vae(vae), "vae", used);
    this.textView = view(header, ClipTextParameters.of(text),
        family == Family.SD2 ? LdmNames.openClip(text.layers()) : LdmNames.clip(textPrefix), "text_encoder", used);
    List<String> unused = header.keySet().stream().filter(n -> !used.contains(n)).sorted().toList();
    if (!unused.isEmpty()) {
      LOG.info("{}: {} tensors the pipeline does not use (e.g. an unused last text block, text_projection, EMA "
          + "copies), e.g. {}", file, unused.size(), unused.subList(0, Math.min(5, unused.size())));
    }
  }

  /**
   * Opens a single-file checkpoint and checks every tensor the pipeline will load against its
   * configs (names and shapes); nothing is loaded yet.
   *
   * @param pipelineConfig a diffusers pipeline folder whose configs and tokenizer to use, or null
   *     to infer them
   * @throws CheckpointException for a pickle, a file of another model, an architecture the shapes
   *     do not describe, or tensors that do not fit the configs
   */
  public static SingleFileCheckpoint open(Path file, Path pipelineConfig) {
    refusePickle(file);
    if (pipelineConfig != null && !Files.isDirectory(pipelineConfig)) {
      throw new CheckpointException("--pipeline-config " + pipelineConfig + " is not a folder");
    }
    if (pipelineConfig != null && List.of("unet", "vae", "text_encoder", "scheduler", "tokenizer").stream()
        .noneMatch(c -> Files.isDirectory(pipelineConfig.resolve(c)))) {
      throw new CheckpointException("--pipeline-config " + pipelineConfig + " has none of the component folders "
          + "unet/, vae/, text_encoder/, scheduler/, tokenizer/ of a diffusers pipeline");
    }
    Map<String, TensorInfo> header;
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      header = st.tensors();
    }
    return new SingleFileCheckpoint(file, header, pipelineConfig, WeightStore.digestOf(List.of(file)));
  }

  /** The checkpoint a header describes, configs inferred; for checking inference on real-size headers without their gigabytes. */
  static SingleFileCheckpoint ofHeader(Path file, Map<String, TensorInfo> header) {
    return new SingleFileCheckpoint(file, header, null, "header only");
  }

  /**
   * Refuses pickled PyTorch checkpoints ({@code .ckpt}, {@code .pt}, {@code .pth}, {@code .bin}, or
   * a zip or pickle by content) without reading them further.
   */
  static void refusePickle(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean pickleName = List.of(".ckpt", ".pt", ".pth", ".bin").stream().anyMatch(name::endsWith);
    byte[] head = new byte[9];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    // A safetensors file starts with its 8-byte header length and then '{'; only other files are
    // checked for a zip (torch.save) or pickle (protocol 2-5) signature, which a length can mimic.
    boolean safetensors = read == head.length && head[8] == '{';
    boolean zip = !safetensors && read >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    boolean pickle = !safetensors && read >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5;
    if (pickleName || zip || pickle) {
      throw new CheckpointException(file + " is a pickled PyTorch checkpoint" + (pickleName ? "" : " by its content")
          + ": loading a pickle runs arbitrary code, so alignstream never unpickles. Convert it to safetensors with a "
          + "tool you trust (e.g. safetensors.torch.save_file(torch.load(f, weights_only=True)[\"state_dict\"], "
          + "\"model.safetensors\")) and pass the .safetensors file");
    }
  }

  /** Refuses what is not an SD 1.x/2.x text-to-image UNet, naming what it is. */
  private static void refuseOtherModels(Path file, Map<String, TensorInfo> header) {
    if (header.keySet().stream().anyMatch(n -> n.startsWith("conditioner.embedders."))
        || header.containsKey(LdmNames.UNET + "label_emb.0.0.weight")) {
      throw new CheckpointException(file + " is an SDXL checkpoint (conditioner.embedders / label_emb: two text "
          + "encoders and size conditioning); alignstream implements the SD 1.x/2.x UNet only");
    }
    if (header.keySet().stream().anyMatch(n -> n.startsWith(LdmNames.UNET + "joint_blocks."))) {
      throw new CheckpointException(file + " is a Stable Diffusion 3 single-file checkpoint (MMDiT joint_blocks). "
          + "Its layout differs from diffusers' by more than names (fused qkv projections to split, the final "
          + "adaLN's shift and scale swapped, the text encoders under text_encoders.clip_l/clip_g/t5xxl), which this "
          + "release does not map; pass the diffusers folder of the same model instead (e.g. a snapshot of "
          + "stabilityai/stable-diffusion-3-medium-diffusers, or --model stabilityai/stable-diffusion-3-medium-diffusers "
          + "--download)");
    }
    String stem = LdmNames.UNET + "input_blocks.0.0.weight";
    if (!header.containsKey(stem)) {
      boolean diffusers = header.containsKey("conv_in.weight") || header.containsKey("encoder.conv_in.weight")
          || header.containsKey("text_model.embeddings.token_embedding.weight");
      throw new CheckpointException(file + " is not an original-format Stable Diffusion checkpoint: it has no '"
          + stem + "'" + (diffusers ? "; it looks like one component of a diffusers pipeline: pass the pipeline "
          + "folder instead" : "; top-level prefixes found: " + prefixes(header)));
    }
    long inChannels = header.get(stem).dims()[1];
    if (inChannels != 4) {
      String what = switch ((int) inChannels) {
        case 9 -> "an inpainting UNet (9 input channels: latents, mask, masked image)";
        case 8 -> "an instruct-pix2pix UNet (8 input channels: latents and image latents)";
        case 5 -> "a depth-conditioned UNet (5 input channels: latents and depth)";
        default -> "a UNet with " + inChannels + " input channels";
      };
      throw new CheckpointException(file + " holds " + what + "; the feature protocol noises 4-channel latents of "
          + "a text-to-image UNet only");
    }
    if (!header.containsKey(LdmNames.VAE + "encoder.conv_in.weight")) {
      throw new CheckpointException(file + " has no VAE encoder (first_stage_model.encoder.*); the protocol needs it "
          + "to turn images into latents");
    }
  }

  private static String textPrefix(Path file, Map<String, TensorInfo> header) {
    if (header.containsKey(LdmNames.OPEN_CLIP + "token_embedding.weight")) {
      return LdmNames.OPEN_CLIP;
    }
    if (header.containsKey(LdmNames.CLIP + "text_model.embeddings.token_embedding.weight")) {
      return LdmNames.CLIP;
    }
    throw new CheckpointException(file + " has no text encoder the port knows: neither OpenCLIP ("
        + LdmNames.OPEN_CLIP + "token_embedding.weight, SD 2.x) nor OpenAI CLIP (" + LdmNames.CLIP
        + "text_model.embeddings.token_embedding.weight, SD 1.x)");
  }

  private static List<String> prefixes(Map<String, TensorInfo> header) {
    return header.keySet().stream().map(n -> n.contains(".") ? n.substring(0, n.indexOf('.')) : n).distinct().sorted()
        .limit(10).toList();
  }

  // ---- config inference ------------------------------------------------------------------

  private ObjectNode infer(String component, Map<String, TensorInfo> header) {
    return switch (component) {
      case "unet" -> inferUnet(header);
      case "vae" -> inferVae(header);
      case "text_encoder" -> inferText(header);
      default -> inferScheduler(header);
    };
  }

  /** UNet2DConditionModel config from the input blocks' shapes, with the family's heads. */
  private ObjectNode inferUnet(Map<String, TensorInfo> h) {
    String p = LdmNames.UNET;
    List<Integer> channels = new ArrayList<>();
    List<Boolean> attention = new ArrayList<>();
    List<Integer> resnets = new ArrayList<>();
    int levelResnets = 0;
    int levelChannels = 0;
    boolean levelAttention = false;
    // Input blocks after the stem: resnets (with their attention) of one level, then its downsampler.
    for (int block = 1; ; block++) {
      String b = p + "input_blocks." + block + ".";
      if (h.containsKey(b + "0.op.weight")) {
        channels.add(levelChannels);
        attention.add(levelAttention);
        resnets.add(levelResnets);
        levelResnets = 0;
        levelAttention = false;
      } else if (h.containsKey(b + "0.in_layers.2.weight")) {
        levelResnets++;
        levelChannels = (int) h.get(b + "0.in_layers.2.weight").dims()[0];
        levelAttention |= h.containsKey(b + "1.proj_in.weight");
      } else {
        break;
      }
    }
    if (levelResnets > 0) { // the deepest level has no downsampler
      channels.add(levelChannels);
      attention.add(levelAttention);
      resnets.add(levelResnets);
    }
    if (resnets.stream().distinct().count() != 1) {
      throw notStandard("its UNet levels have different resnet counts " + resnets);
    }
    String midAttention = p + "middle_block.1.";
    if (!h.containsKey(midAttention + "transformer_blocks.0.attn2.to_k.weight")) {
      throw notStandard("its UNet has no cross-attention in the middle block");
    }
    int context = (int) h.get(midAttention + "transformer_blocks.0.attn2.to_k.weight").dims()[1];
    if (context != family.contextDim) {
      throw notStandard("its UNet cross-attends to width " + context + ", not the " + family.contextDim + " of "
          + family.description + ", so its attention heads cannot be inferred");
    }
    int depth = count(h, midAttention + "transformer_blocks.", ".attn1.to_q.weight");
    ObjectNode c = JSON.createObjectNode();
    c.put("_class_name", "UNet2DConditionModel");
    c.put("act_fn", "silu");
    if (family == Family.SD2) {
      for (int ch : channels) {
        if (ch % SD2_HEAD_WIDTH != 0) {
          throw notStandard("UNet width " + ch + " is not a multiple of SD 2.x's head width " + SD2_HEAD_WIDTH);
        }
      }
      c.set("attention_head_dim", JSON.valueToTree(channels.stream().map(ch -> ch / SD2_HEAD_WIDTH).toList()));
    } else {
      c.put("attention_head_dim", SD1_HEADS);
    }
    c.set("block_out_channels", JSON.valueToTree(channels));
    c.put("cross_attention_dim", context);
    List<String> down = new ArrayList<>();
    List<String> up = new ArrayList<>();
    for (int i = 0; i < channels.size(); i++) {
      down.add(attention.get(i) ? UNetConfig.CROSS_ATTN_DOWN : UNetConfig.DOWN);
      up.add(0, attention.get(i) ? UNetConfig.CROSS_ATTN_UP : UNetConfig.UP);
    }
    c.set("down_block_types", JSON.valueToTree(down));
    c.set("up_block_types", JSON.valueToTree(up));
    c.put("in_channels", h.get(p + "input_blocks.0.0.weight").dims()[1]);
    c.put("out_channels", h.get(p + "out.2.weight").dims()[0]);
    c.put("layers_per_block", resnets.get(0));
    c.put("transformer_layers_per_block", depth);
    c.put("norm_num_groups", STANDARD_GROUPS);
    c.put("norm_eps", 1e-5);
    c.put("flip_sin_to_cos", true);
    c.put("freq_shift", 0);
    c.put("downsample_padding", 1);
    c.put("use_linear_projection", h.get(midAttention + "proj_in.weight").dims().length == 2);
    // SD 2.1 computes attention scores in float32 (its config says so); no difference in float32.
    c.put("upcast_attention", family == Family.SD2);
    c.put("sample_size", 64);
    return c;
  }

  /** AutoencoderKL config from the encoder's shapes. */
  private static ObjectNode inferVae(Map<String, TensorInfo> h) {
    String p = LdmNames.VAE + "encoder.";
    List<Integer> channels = new ArrayList<>();
    while (h.containsKey(p + "down." + channels.size() + ".block.0.conv2.weight")) {
      channels.add((int) h.get(p + "down." + channels.size() + ".block.0.conv2.weight").dims()[0]);
    }
    int layers = count(h, p + "down.0.block.", ".conv1.weight");
    ObjectNode c = JSON.createObjectNode();
    c.put("_class_name", "AutoencoderKL");
    c.put("act_fn", "silu");
    c.set("block_out_channels", JSON.valueToTree(channels));
    c.set("down_block_types", JSON.valueToTree(Collections.nCopies(channels.size(), "DownEncoderBlock2D")));
    c.set("up_block_types", JSON.valueToTree(Collections.nCopies(channels.size(), "UpDecoderBlock2D")));
    c.put("in_channels", h.get(p + "conv_in.weight").dims()[1]);
    c.put("out_channels", 3);
    c.put("latent_channels", h.get(p + "conv_out.weight").dims()[0] / 2);
    c.put("layers_per_block", layers);
    c.put("norm_num_groups", STANDARD_GROUPS);
    c.put("scaling_factor", 0.18215);
    c.put("use_quant_conv", h.containsKey(LdmNames.VAE + "quant_conv.weight"));
    c.put("use_post_quant_conv", h.containsKey(LdmNames.VAE + "post_quant_conv.weight"));
    c.put("mid_block_add_attention", h.containsKey(p + "mid.attn_1.q.weight"));
    return c;
  }

  /** CLIPTextModel config; heads of width 64 as in both CLIP ViT-L/14 and OpenCLIP ViT-H/14. */
  private ObjectNode inferText(Map<String, TensorInfo> h) {
    ObjectNode c = JSON.createObjectNode();
    c.set("architectures", JSON.valueToTree(List.of("CLIPTextModel")));
    long[] tokens;
    long positions;
    int layers;
    long intermediate;
    if (family == Family.SD2) {
      String p = LdmNames.OPEN_CLIP;
      tokens = h.get(p + "token_embedding.weight").dims();
      positions = h.get(p + "positional_embedding").dims()[0];
      layers = count(h, p + "transformer.resblocks.", ".ln_1.weight");
      intermediate = h.get(p + "transformer.resblocks.0.mlp.c_fc.weight").dims()[0];
      if (h.containsKey(p + "text_projection")) {
        layers--; // the whole OpenCLIP model: SD 2.x takes the penultimate block's states
      }
    } else {
      String p = LdmNames.CLIP + "text_model.";
      tokens = h.get(p + "embeddings.token_embedding.weight").dims();
      positions = h.get(p + "embeddings.position_embedding.weight").dims()[0];
      layers = count(h, p + "encoder.layers.", ".layer_norm1.weight");
      intermediate = h.get(p + "encoder.layers.0.mlp.fc1.weight").dims()[0];
    }
    long hidden = tokens[1];
    if (hidden % SD2_HEAD_WIDTH != 0) {
      throw notStandard("its text encoder width " + hidden + " is not a multiple of CLIP's head width 64");
    }
    c.put("vocab_size", tokens[0]);
    c.put("hidden_size", hidden);
    c.put("intermediate_size", intermediate);
    c.put("num_hidden_layers", layers);
    c.put("num_attention_heads", hidden / SD2_HEAD_WIDTH);
    c.put("max_position_embeddings", positions);
    c.put("hidden_act", family.activation);
    c.put("layer_norm_eps", 1e-5);
    return c;
  }

  /** How many of {@code prefix 0 suffix}, {@code prefix 1 suffix}, ... the header holds in a row. */
  private static int count(Map<String, TensorInfo> h, String prefix, String suffix) {
    int n = 0;
    while (h.containsKey(prefix + n + suffix)) {
      n++;
    }
    return n;
  }

  /**
   * The schedule every SD 1.x/2.x model was trained with (LDM's "linear" 0.00085..0.012 is
   * diffusers' scaled_linear); the prediction type by diffusers' single-file rule: SD 2.x at its full width
   * (text states of 1024 in the cross-attention) predicts v, as SD 2.x 768-v does, everything else
   * the noise. diffusers reads SD 2.x-base (an epsilon model) from a {@code global_step} that
   * safetensors files do not carry; for it pass --pipeline-config with its scheduler folder.
   */
  private static ObjectNode inferScheduler(Map<String, TensorInfo> h) {
    TensorInfo toK = h.get(LdmNames.UNET + "input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight");
    boolean v = toK != null && toK.dims()[toK.dims().length - 1] == Family.SD2.contextDim;
    ObjectNode c = JSON.createObjectNode();
    c.put("prediction_type", v ? "v_prediction" : "epsilon");
    c.put("_class_name", "DDIMScheduler");
    c.put("beta_schedule", "scaled_linear");
    c.put("beta_start", 0.00085);
    c.put("beta_end", 0.012);
    c.put("num_train_timesteps", 1000);
    c.put("steps_offset", 1);
    return c;
  }

  private CheckpointException notStandard(String why) {
    return new CheckpointException(file + " is not a standard " + family.description + " checkpoint: " + why
        + ". Its architecture cannot be inferred from the file; pass --pipeline-config DIR, a diffusers pipeline "
        + "folder (configs and tokenizer, no weights needed) that describes it");
  }

  // ---- views -----------------------------------------------------------------------------

  /**
   * Each parameter of a component's layout as a view on the stored tensor it comes from.
   *
   * @param used collects the stored names consumed
   */
  private Map<String, TensorInfo> view(Map<String, TensorInfo> header, ParameterLayout layout, LdmNames names,
      String component, Set<String> used) {
    Map<String, TensorInfo> view = new LinkedHashMap<>();
    for (ParameterLayout.Param param : layout.params()) {
      LdmNames.Source source = names.source(param.name());
      TensorInfo stored = header.get(source.name());
      if (stored == null) {
        throw new CheckpointException(file + " lacks tensor '" + source.name() + "' (" + component + " '"
            + param.name() + "'), which the " + component + " config (" + configOrigins.get(component) + ") implies");
      }
      used.add(source.name());
      long[] want = param.shape();
      long[] have = stored.dims();
      long partBytes = stored.byteLength() / source.parts();
      if (!fits(have, want, source.parts())) {
        throw new CheckpointException("tensor '" + source.name() + "' in " + file + " has shape "
            + Arrays.toString(have) + ", but the " + component + " config (" + configOrigins.get(component)
            + ") implies " + Arrays.toString(want) + " for '" + param.name() + "'"
            + (source.parts() > 1 ? " (one of " + source.parts() + " fused parts)" : ""));
      }
      long begin = stored.begin() + source.part() * partBytes;
      view.put(param.name(), new TensorInfo(param.name(), stored.dtype(), want, begin, begin + partBytes));
    }
    return Collections.unmodifiableMap(view);
  }

  /**
   * Whether a stored shape holds the wanted one: equal, equal but for trailing 1x1 kernel axes
   * (a linear stored as a 1x1 conv), or {@code parts} wanted tensors stacked along dim 0.
   */
  private static boolean fits(long[] have, long[] want, int parts) {
    if (have.length < want.length || have[0] != want[0] * parts) {
      return false;
    }
    for (int i = 1; i < have.length; i++) {
      if (have[i] != (i < want.length ? want[i] : 1)) {
        return false;
      }
    }
    return true;
  }

  // ---- accessors -------------------------------------------------------------------------

  public Path file() {
    return file;
  }

  public Family family() {
    return family;
  }

  public UNetConfig unetConfig() {
    return unet;
  }

  public VaeConfig vaeConfig() {
    return vae;
  }

  public ClipTextConfig textConfig() {
    return text;
  }

  /** The scheduler config the noise schedule is read from. */
  public ConfigReader schedulerConfig() {
    return scheduler;
  }

  public ClipTokenizer tokenizer() {
    return tokenizer;
  }

  /** SHA-256 (hex) over every component config used (inferred JSON or config file digest) and the tokenizer. */
  public String configDigest() {
    return configDigest;
  }

  /** {@link WeightStore#digestOf} of the file: its header and size. */
  public String weightsDigest() {
    return weightsDigest;
  }

  /** The UNet's parameters under diffusers names, as views on the file. */
  public Map<String, TensorInfo> unetView() {
    return unetView;
  }

  /** The VAE's parameters (encoder, quant convs and decoder) under diffusers names. */
  public Map<String, TensorInfo> vaeView() {
    return vaeView;
  }

  /** The text encoder's parameters under transformers names ({@code text_model.*}). */
  public Map<String, TensorInfo> textView() {
    return textView;
  }

  /** The scheduler class its config names (for the model card). */
  public String schedulerClass() {
    return scheduler.stringOr("_class_name", "scheduler");
  }

  @Override
  public String toString() {
    return "single file " + file + " (" + family.description + ")";
  }
}
