package io.alignstream.extractor.sd3;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.ArrayList;
import java.util.List;

/**
 * A diffusers {@code SD3Transformer2DModel} config (0.30), the MMDiT of Stable Diffusion 3.
 *
 * @param sampleSize latent side the model was trained at (128 for SD3-medium); sets the position
 *     embedding's base size, sample_size / patch_size
 * @param patchSize side of a latent patch (2)
 * @param inChannels latent channels (16)
 * @param layers joint transformer blocks (24 for SD3-medium); the last updates only image tokens
 * @param headDim width of an attention head (64)
 * @param heads attention heads (24); the model width is heads x headDim (1536)
 * @param jointAttentionDim width of the text context the context embedder reads (4096, T5-XXL's)
 * @param captionProjectionDim the context embedder's output width; equals the model width
 * @param pooledProjectionDim width of the pooled text input (2048 = CLIP-L 768 + CLIP-G 1280)
 * @param outChannels channels of the velocity prediction (16)
 * @param posEmbedMaxSize side of the stored position-embedding grid (192), cropped to the latent
 */
public record Sd3TransformerConfig(
    int sampleSize, int patchSize, int inChannels, int layers, int headDim, int heads, int jointAttentionDim,
    int captionProjectionDim, int pooledProjectionDim, int outChannels, int posEmbedMaxSize) {

  /**
   * stabilityai/stable-diffusion-3-medium-diffusers' transformer/config.json: 24 blocks of width
   * 1536 (24 heads x 64), 2.03 B parameters; for benchmarks at the real size with random weights.
   */
  public static final Sd3TransformerConfig SD3_MEDIUM =
      new Sd3TransformerConfig(128, 2, 16, 24, 64, 24, 4096, 1536, 2048, 16, 192);

  /** Every LayerNorm of the transformer (norm1, norm2, norm_out and their context twins) uses this epsilon. */
  public static final float NORM_EPS = 1e-6f;
  /** Channels of the sinusoidal timestep projection (diffusers' Timesteps(num_channels=256)). */
  public static final int TIME_PROJ_CHANNELS = 256;
  /** FeedForward width multiplier. */
  public static final int FF_MULT = 4;

  /** The model width: heads x head dim. */
  public int innerDim() {
    return heads * headDim;
  }

  /** The position embedding's base size: positions are scaled so that this many patches span the grid. */
  public int baseSize() {
    return sampleSize / patchSize;
  }

  /** Whether block {@code i} is the last one, which keeps no context stream (diffusers' context_pre_only). */
  public boolean contextPreOnly(int block) {
    return block == layers - 1;
  }

  /**
   * Every module output a forward can record, in execution order: {@code pos_embed},
   * {@code time_text_embed}, {@code context_embedder}, per block {@code transformer_blocks.N.context}
   * (not the last) and {@code transformer_blocks.N} (the image tokens), then {@code out}.
   */
  public List<String> modulePaths() {
    List<String> paths = new ArrayList<>(List.of("pos_embed", "time_text_embed", "context_embedder"));
    for (int i = 0; i < layers; i++) {
      if (!contextPreOnly(i)) {
        paths.add("transformer_blocks." + i + ".context");
      }
      paths.add("transformer_blocks." + i);
    }
    paths.add("out");
    return List.copyOf(paths);
  }

  /**
   * Parses a transformer config.json, refusing what diffusers 0.30.3's SD3Transformer2DModel does
   * not build (SD 3.5's query/key norms and dual-attention blocks came with diffusers 0.31).
   */
  public static Sd3TransformerConfig parse(ConfigReader cfg) {
    cfg.requireNull("qk_norm", "SD 3.5's RMS query/key norms are not part of the SD3 (diffusers 0.30.3) port");
    if (cfg.has("dual_attention_layers") && !cfg.intList("dual_attention_layers", 0).isEmpty()) {
      throw CheckpointException.unsupported(cfg.file(), "dual_attention_layers", cfg.intList("dual_attention_layers", 0),
          "[] (SD 3.5's MMDiT-X dual-attention blocks are not part of the SD3 port)");
    }
    Sd3TransformerConfig c = new Sd3TransformerConfig(
        cfg.intOr("sample_size", 128),
        cfg.intOr("patch_size", 2),
        cfg.intOr("in_channels", 16),
        cfg.intOr("num_layers", 18),
        cfg.intOr("attention_head_dim", 64),
        cfg.intOr("num_attention_heads", 18),
        cfg.intOr("joint_attention_dim", 4096),
        cfg.intOr("caption_projection_dim", 1152),
        cfg.intOr("pooled_projection_dim", 2048),
        cfg.intOr("out_channels", 16),
        cfg.intOr("pos_embed_max_size", 96));
    if (c.captionProjectionDim != c.innerDim()) {
      throw CheckpointException.unsupported(cfg.file(), "caption_projection_dim", c.captionProjectionDim,
          "the model width num_attention_heads x attention_head_dim = " + c.innerDim()
              + " (the context joins the image tokens' attention)");
    }
    if (c.layers < 1 || c.patchSize < 1 || c.posEmbedMaxSize < 1) {
      throw CheckpointException.unsupported(cfg.file(), "num_layers / patch_size / pos_embed_max_size",
          c.layers + " / " + c.patchSize + " / " + c.posEmbedMaxSize, "positive values");
    }
    return c;
  }
}
