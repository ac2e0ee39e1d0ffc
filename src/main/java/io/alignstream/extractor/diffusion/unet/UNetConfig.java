package io.alignstream.extractor.diffusion.unet;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The architecture of a diffusers {@code UNet2DConditionModel} as its {@code config.json} states
 * it, restricted to what Stable Diffusion 1.x and 2.x use. Every list has one entry per
 * resolution level (per down block, in down order); the up blocks read them reversed.
 *
 * <p>Parse with {@link #from(ConfigReader)}: a value outside what {@link UNet} implements fails
 * there, naming the file, the key, the value and what is supported, rather than producing a
 * silently different network.
 *
 * @param inChannels latent channels in ({@code in_channels}, 4)
 * @param outChannels channels out ({@code out_channels}, 4)
 * @param centerInputSample whether the sample is mapped x -> 2x - 1 first ({@code center_input_sample})
 * @param blockOutChannels channels of each resolution level ({@code block_out_channels})
 * @param downBlockTypes {@code CrossAttnDownBlock2D} or {@code DownBlock2D}, one per level
 * @param upBlockTypes {@code CrossAttnUpBlock2D} or {@code UpBlock2D}, one per level, deepest first
 * @param layersPerBlock resnets per down block ({@code layers_per_block}; up blocks have one more)
 * @param transformerLayersPerBlock BasicTransformerBlocks inside each Transformer2DModel of a level
 * @param attentionHeads attention heads per level; see {@link #from} for why this comes from
 *     {@code attention_head_dim}
 * @param crossAttentionDims width of encoder_hidden_states each level attends to
 * @param useLinearProjection Transformer2DModel proj_in/proj_out are Linear (SD 2.x) rather than 1x1 convs (SD 1.x)
 * @param upcastAttention diffusers computes attention scores in float32 even in float16 (SD 2.1);
 *     recorded for fidelity only: this port always computes scores and softmax in float32
 *     ({@link io.alignstream.extractor.nn.Ops#attention}), which matters in float16 alone and is the more accurate choice
 * @param normNumGroups GroupNorm groups of resnets, transformers and conv_norm_out
 * @param normEps GroupNorm epsilon of resnets and conv_norm_out (transformers use 1e-6)
 * @param flipSinToCos time_proj puts cosines first
 * @param freqShift time_proj frequency shift ({@code freq_shift}, the "downscale_freq_shift")
 * @param timeEmbedDim width of the time embedding (4 x block_out_channels[0] unless {@code time_embedding_dim})
 * @param downsamplePadding padding of the stride-2 downsampler conv; 0 means diffusers' asymmetric (0,1,0,1) pad
 * @param midBlockScaleFactor output_scale_factor of the mid block's resnets
 * @param resnetOutScaleFactor output_scale_factor of the down and up blocks' resnets
 * @param sampleSize the latent size the model was trained at (informational)
 */
public record UNetConfig(
    int inChannels,
    int outChannels,
    boolean centerInputSample,
    List<Integer> blockOutChannels,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    List<Integer> layersPerBlock,
    List<Integer> transformerLayersPerBlock,
    List<Integer> attentionHeads,
    List<Integer> crossAttentionDims,
    boolean useLinearProjection,
    boolean upcastAttention,
    int normNumGroups,
    double normEps,
    boolean flipSinToCos,
    int freqShift,
    int timeEmbedDim,
    int downsamplePadding,
    double midBlockScaleFactor,
    double resnetOutScaleFactor,
    int sampleSize) {

  public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
  public static final String DOWN = "DownBlock2D";
  public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
  public static final String UP = "UpBlock2D";
  public static final String MID = "UNetMidBlock2DCrossAttn";

  /** GroupNorm epsilon of every Transformer2DModel's input norm: fixed in diffusers, not configurable. */
  public static final float TRANSFORMER_NORM_EPS = 1e-6f;
  /** LayerNorm epsilon of norm1..norm3 in BasicTransformerBlock (diffusers' default norm_eps). */
  public static final float TRANSFORMER_BLOCK_NORM_EPS = 1e-5f;
  /** GEGLU feed-forward inner width = FF_MULT x channels (diffusers' FeedForward mult). */
  public static final int FF_MULT = 4;

  public UNetConfig {
    blockOutChannels = List.copyOf(blockOutChannels);
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    layersPerBlock = List.copyOf(layersPerBlock);
    transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    attentionHeads = List.copyOf(attentionHeads);
    crossAttentionDims = List.copyOf(crossAttentionDims);
  }

  /** Parses and validates {@code unet/config.json}. */
  public static UNetConfig from(ComponentFolder unet) {
    return from(unet.configReader());
  }

  /**
   * Parses and validates a UNet2DConditionModel config.
   *
   * <p><b>Heads.</b> diffusers names the per-level head count {@code attention_head_dim} for
   * historical reasons (diffusers issue 2011): UNet2DConditionModel computes
   * {@code num_attention_heads = num_attention_heads or attention_head_dim} and then builds each
   * Transformer2DModel with that many heads of width {@code channels / heads}. So SD 2.1's
   * {@code attention_head_dim: [5, 10, 20, 20]} means 5 heads of 64 at 320 channels, and SD 1.5's
   * {@code 8} means 8 heads of 40 at 320 channels. diffusers 0.30 itself refuses a non-null
   * {@code num_attention_heads}, and so does this parser.
   *
   * @throws CheckpointException for a missing key or a value this port does not implement
   */
  public static UNetConfig from(ConfigReader c) {
    if (c.has("_class_name") && !"UNet2DConditionModel".equals(c.requireString("_class_name"))) {
      throw CheckpointException.unsupported(c.file(), "_class_name", c.requireString("_class_name"),
          List.of("UNet2DConditionModel"));
    }
    rejectUnsupported(c);

    List<Integer> channels = c.intList("block_out_channels", 0);
    int levels = channels.size();
    if (levels < 1) {
      throw CheckpointException.unsupported(c.file(), "block_out_channels", channels, "a non-empty list");
    }
    List<String> down = c.stringList("down_block_types");
    List<String> up = c.stringList("up_block_types");
    requireLength(c, "down_block_types", down, levels);
    requireLength(c, "up_block_types", up, levels);
    for (String t : down) {
      if (!t.equals(CROSS_ATTN_DOWN) && !t.equals(DOWN)) {
        throw CheckpointException.unsupported(c.file(), "down_block_types", '"' + t + '"', List.of(CROSS_ATTN_DOWN, DOWN));
      }
    }
    for (String t : up) {
      if (!t.equals(CROSS_ATTN_UP) && !t.equals(UP)) {
        throw CheckpointException.unsupported(c.file(), "up_block_types", '"' + t + '"', List.of(CROSS_ATTN_UP, UP));
      }
    }

    List<Integer> layers = perLevel(c, "layers_per_block", 2, levels);
    List<Integer> transformerLayers = perLevel(c, "transformer_layers_per_block", 1, levels);
    // See the method comment: this key holds head COUNTS, not head widths (diffusers' default is 8).
    List<Integer> heads = perLevel(c, "attention_head_dim", 8, levels);
    List<Integer> crossDims = perLevel(c, "cross_attention_dim", 1280, levels);
    if (crossDims.stream().distinct().count() > 1) {
      // one encoder_hidden_states tensor feeds every level, so its width must be the same everywhere
      throw CheckpointException.unsupported(c.file(), "cross_attention_dim", crossDims,
          "one width for every level (a single encoder_hidden_states tensor feeds them all)");
    }
    int groups = c.requireInt("norm_num_groups");
    for (int i = 0; i < levels; i++) {
      int ch = channels.get(i);
      if (ch % groups != 0) {
        throw CheckpointException.unsupported(c.file(), "norm_num_groups", groups,
            "a divisor of every block_out_channels entry (" + ch + " at level " + i + " is not divisible)");
      }
      if (ch % heads.get(i) != 0) {
        throw CheckpointException.unsupported(c.file(), "attention_head_dim", heads,
            "head counts that divide the channels (" + ch + " channels at level " + i + " do not split into "
                + heads.get(i) + " heads)");
      }
    }
    int padding = c.intOr("downsample_padding", 1);
    if (padding != 0 && padding != 1) {
      throw CheckpointException.unsupported(c.file(), "downsample_padding", padding, List.of(0, 1));
    }
    return new UNetConfig(
        c.intOr("in_channels", 4),
        c.intOr("out_channels", 4),
        c.boolOr("center_input_sample", false),
        channels, down, up, layers, transformerLayers, heads, crossDims,
        c.boolOr("use_linear_projection", false),
        c.boolOr("upcast_attention", false),
        groups,
        c.doubleOr("norm_eps", 1e-5),
        c.boolOr("flip_sin_to_cos", true),
        c.intOr("freq_shift", 0),
        c.intOr("time_embedding_dim", 4 * channels.get(0)),
        padding,
        c.doubleOr("mid_block_scale_factor", 1.0),
        c.doubleOr("resnet_out_scale_factor", 1.0),
        c.intOr("sample_size", 64));
  }

  /** Everything SD 1.x/2.x leave at its default, and this port therefore does not implement. */
  private static void rejectUnsupported(ConfigReader c) {
    String notInSd = "not used by Stable Diffusion 1.x/2.x, not implemented";
    c.requireNull("num_attention_heads",
        "diffusers 0.30 rejects it too; the head count is read from attention_head_dim");
    c.requireNull("class_embed_type", notInSd);
    c.requireNull("num_class_embeds", notInSd);
    c.requireNull("addition_embed_type", notInSd);
    c.requireNull("time_cond_proj_dim", notInSd);
    c.requireNull("encoder_hid_dim", notInSd);
    c.requireNull("encoder_hid_dim_type", notInSd);
    c.requireNull("time_embedding_act_fn", notInSd);
    c.requireNull("timestep_post_act", notInSd);
    c.requireNull("cross_attention_norm", notInSd);
    c.requireNull("reverse_transformer_layers_per_block", notInSd);
    c.requireEquals("act_fn", "silu", "the only activation of SD 1.x/2.x UNets");
    c.requireEquals("time_embedding_type", "positional", "sinusoidal time_proj; fourier is not implemented");
    c.requireEquals("resnet_time_scale_shift", "default", "time embedding added, not scale-shift");
    c.requireEquals("resnet_skip_time_act", false, notInSd);
    c.requireEquals("dual_cross_attention", false, notInSd);
    c.requireEquals("class_embeddings_concat", false, notInSd);
    c.requireEquals("attention_type", "default", notInSd);
    c.requireEquals("conv_in_kernel", 3, "the 3x3 conv_in of SD 1.x/2.x");
    c.requireEquals("conv_out_kernel", 3, "the 3x3 conv_out of SD 1.x/2.x");
    c.requireEquals("mid_block_only_cross_attention", false, notInSd);
    if (c.isNull("mid_block_type")) {
      throw CheckpointException.unsupported(c.file(), "mid_block_type", "null (no mid block)", List.of(MID));
    }
    c.requireOneOf("mid_block_type", MID, Set.of(MID));
    if (c.has("only_cross_attention") && c.boolList("only_cross_attention").contains(true)) {
      throw CheckpointException.unsupported(c.file(), "only_cross_attention", c.boolList("only_cross_attention"),
          "false (self-attention then cross-attention, as in SD 1.x/2.x)");
    }
    if (!c.has("norm_num_groups")) {
      throw CheckpointException.unsupported(c.file(), "norm_num_groups", "null (no conv_norm_out)",
          "an integer (GroupNorm before conv_out, as in SD 1.x/2.x)");
    }
  }

  /** An int-or-list key as one value per level; absent keys take diffusers' default. */
  private static List<Integer> perLevel(ConfigReader c, String key, int fallback, int levels) {
    List<Integer> values = c.has(key) ? c.intList(key, levels) : Collections.nCopies(levels, fallback);
    requireLength(c, key, values, levels);
    for (int v : values) {
      if (v < 1) {
        throw CheckpointException.unsupported(c.file(), key, values, "positive integers");
      }
    }
    return values;
  }

  private static void requireLength(ConfigReader c, String key, List<?> values, int levels) {
    if (values.size() != levels) {
      throw CheckpointException.unsupported(c.file(), key, values,
          "one entry per block_out_channels entry (" + levels + ")");
    }
  }

  // ---- derived structure: how UNet2DConditionModel wires the levels ----

  /** Number of resolution levels (down blocks = up blocks). */
  public int levels() {
    return blockOutChannels.size();
  }

  public boolean downHasAttention(int block) {
    return downBlockTypes.get(block).equals(CROSS_ATTN_DOWN);
  }

  public boolean upHasAttention(int block) {
    return upBlockTypes.get(block).equals(CROSS_ATTN_UP);
  }

  /** Down blocks downsample except the last (deepest). */
  public boolean downHasDownsampler(int block) {
    return block < levels() - 1;
  }

  /** Up blocks upsample except the last (shallowest). */
  public boolean upHasUpsampler(int block) {
    return block < levels() - 1;
  }

  /** Input channels of down block i: the previous level's channels (conv_in's for the first). */
  public int downInChannels(int block) {
    return blockOutChannels.get(Math.max(block - 1, 0));
  }

  public int downOutChannels(int block) {
    return blockOutChannels.get(block);
  }

  /** Resolution level of up block i: up block 0 works at the deepest level. */
  public int upLevel(int block) {
    return levels() - 1 - block;
  }

  public int upOutChannels(int block) {
    return blockOutChannels.get(upLevel(block));
  }

  /** Channels arriving from below: the mid block's for up block 0, else the previous up block's. */
  public int upPrevOutChannels(int block) {
    return block == 0 ? blockOutChannels.get(levels() - 1) : upOutChannels(block - 1);
  }

  /**
   * The "input channel" diffusers gives up block i: the channels of the level one step shallower
   * (clamped at the top). Only its last resnet sees a skip of that width: the skip stored before
   * that level's downsampler.
   */
  public int upInChannels(int block) {
    return blockOutChannels.get(Math.max(upLevel(block) - 1, 0));
  }

  /** Resnets in up block i: one more than its level's down block, to consume the downsampler's skip. */
  public int upResnets(int block) {
    return layersPerBlock.get(upLevel(block)) + 1;
  }

  /** Channels of the skip that up block i's resnet j concatenates. */
  public int upSkipChannels(int block, int resnet) {
    return resnet == upResnets(block) - 1 ? upInChannels(block) : upOutChannels(block);
  }

  /** Channels entering up block i's resnet j before its skip is concatenated. */
  public int upResnetInChannels(int block, int resnet) {
    return resnet == 0 ? upPrevOutChannels(block) : upOutChannels(block);
  }

  public int downHeads(int block) {
    return attentionHeads.get(block);
  }

  public int upHeads(int block) {
    return attentionHeads.get(upLevel(block));
  }

  public int midHeads() {
    return attentionHeads.get(levels() - 1);
  }

  public int midChannels() {
    return blockOutChannels.get(levels() - 1);
  }

  /** Total downsampling factor: latent sizes must be multiples of it. */
  public int downsamplingFactor() {
    return 1 << (levels() - 1);
  }

  /** What a {@link Module} of the level layout is. */
  public enum ModuleKind {
    /** sinusoidal projection of the timesteps (no weights) */
    TIME_PROJ,
    /** the time MLP, linear_1 and linear_2 */
    TIME_EMBEDDING,
    /** the 3x3 conv from the latent to the first level */
    CONV_IN,
    /** ResnetBlock2D; an up block's resnet takes its skip concatenated (inChannels counts both) */
    RESNET,
    /** Transformer2DModel of {@code transformerLayers} BasicTransformerBlocks */
    TRANSFORMER,
    /** Downsample2D: stride-2 3x3 conv */
    DOWNSAMPLER,
    /** Upsample2D: nearest 2x, then a 3x3 conv */
    UPSAMPLER,
    /** a down, mid or up block's own output (after its resampler) */
    BLOCK,
    /** conv_norm_out, SiLU and conv_out: the noise prediction */
    OUT
  }

  /**
   * One module of the UNet as it runs: the single description of the level layout that the
   * tap geometry, the FLOP count, the parameter layout and the batcher's attention budget read.
   *
   * @param path the diffusers module path (what a tap names)
   * @param kind what it is
   * @param inChannels channels it reads (for an up block's resnet: previous output plus skip)
   * @param outChannels channels it emits (the width of a time embedding)
   * @param downscale latent side / side of the map it emits; 0 for the time modules (vectors)
   * @param heads attention heads of a transformer, else 0
   * @param transformerLayers BasicTransformerBlocks of a transformer, else 0
   * @param crossAttentionDim width of the text states a transformer attends to, else 0
   */
  public record Module(String path, ModuleKind kind, int inChannels, int outChannels, int downscale, int heads,
      int transformerLayers, int crossAttentionDim) {

    static Module of(String path, ModuleKind kind, int in, int out, int downscale) {
      return new Module(path, kind, in, out, downscale, 0, 0, 0);
    }
  }

  /**
   * Every module in execution order, as UNet2DConditionModel.forward runs them: time_proj,
   * time_embedding, conv_in; per down block its resnets (each followed by its transformer in a
   * cross-attention block), its downsampler and the block output; the mid block's resnet,
   * transformer, resnet; the up blocks likewise with one more resnet each; out.
   */
  public List<Module> modules() {
    List<Module> m = new ArrayList<>();
    int c0 = blockOutChannels.get(0);
    m.add(Module.of("time_proj", ModuleKind.TIME_PROJ, 1, c0, 0));
    m.add(Module.of("time_embedding", ModuleKind.TIME_EMBEDDING, c0, timeEmbedDim, 0));
    m.add(Module.of("conv_in", ModuleKind.CONV_IN, inChannels, c0, 1));
    for (int i = 0; i < levels(); i++) {
      String b = "down_blocks." + i;
      int out = downOutChannels(i);
      int scale = 1 << i;
      for (int j = 0; j < layersPerBlock.get(i); j++) {
        m.add(Module.of(b + ".resnets." + j, ModuleKind.RESNET, j == 0 ? downInChannels(i) : out, out, scale));
        if (downHasAttention(i)) {
          m.add(transformer(b + ".attentions." + j, out, scale, i, downHeads(i)));
        }
      }
      if (downHasDownsampler(i)) {
        scale *= 2;
        m.add(Module.of(b + ".downsamplers.0", ModuleKind.DOWNSAMPLER, out, out, scale));
      }
      m.add(Module.of(b, ModuleKind.BLOCK, downInChannels(i), out, scale));
    }
    int deepest = levels() - 1;
    int mid = midChannels();
    int scale = 1 << deepest;
    m.add(Module.of("mid_block.resnets.0", ModuleKind.RESNET, mid, mid, scale));
    m.add(transformer("mid_block.attentions.0", mid, scale, deepest, midHeads()));
    m.add(Module.of("mid_block.resnets.1", ModuleKind.RESNET, mid, mid, scale));
    m.add(Module.of("mid_block", ModuleKind.BLOCK, mid, mid, scale));
    for (int i = 0; i < levels(); i++) {
      String b = "up_blocks." + i;
      int out = upOutChannels(i);
      scale = 1 << upLevel(i);
      for (int j = 0; j < upResnets(i); j++) {
        m.add(Module.of(b + ".resnets." + j, ModuleKind.RESNET, upResnetInChannels(i, j) + upSkipChannels(i, j), out,
            scale));
        if (upHasAttention(i)) {
          m.add(transformer(b + ".attentions." + j, out, scale, upLevel(i), upHeads(i)));
        }
      }
      if (upHasUpsampler(i)) {
        scale /= 2;
        m.add(Module.of(b + ".upsamplers.0", ModuleKind.UPSAMPLER, out, out, scale));
      }
      m.add(Module.of(b, ModuleKind.BLOCK, upPrevOutChannels(i), out, scale));
    }
    m.add(Module.of("out", ModuleKind.OUT, c0, outChannels, 1));
    return List.copyOf(m);
  }

  private Module transformer(String path, int channels, int downscale, int level, int heads) {
    return new Module(path, ModuleKind.TRANSFORMER, channels, channels, downscale, heads,
        transformerLayersPerBlock.get(level), crossAttentionDims.get(level));
  }

  /** The module at a path of {@link #modules()}. */
  public Module module(String path) {
    return modules().stream().filter(m -> m.path().equals(path)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no module '" + path + "' in this UNet"));
  }

  /** Module paths in execution order; each can be tapped (see {@link Taps}). */
  public List<String> modulePaths() {
    return modules().stream().map(Module::path).toList();
  }
}
