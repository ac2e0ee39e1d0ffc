package io.alignstream.extractor.diffusion;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every parameter (checkpoint name and shape) diffusers/transformers create for the SD model
 * classes, derived from their config values the way their constructors derive module widths.
 * Used to write complete random checkpoints ({@link TinyPipeline}); the tiny-sd2 fixture's
 * safetensors headers check it.
 */
public final class ParameterLayout {

  /** How a parameter is initialised when written with random values. */
  public enum Kind {
    /** linear or convolution weight: fan-in scaled gaussian */
    WEIGHT,
    /** linear or convolution bias */
    BIAS,
    /** normalisation scale (1) */
    NORM_WEIGHT,
    /** normalisation shift (0) */
    NORM_BIAS,
    /** embedding table */
    EMBEDDING
  }

  /** One parameter. */
  public record Param(String name, long[] shape, Kind kind) {
    public Param {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    public long size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private final List<Param> params = new ArrayList<>();

  private ParameterLayout() {}

  public List<Param> params() {
    return Collections.unmodifiableList(params);
  }

  // ---- building blocks -------------------------------------------------------------------

  private void add(String name, Kind kind, long... shape) {
    params.add(new Param(name, shape, kind));
  }

  private void linear(String name, long out, long in, boolean bias) {
    add(name + ".weight", Kind.WEIGHT, out, in);
    if (bias) {
      add(name + ".bias", Kind.BIAS, out);
    }
  }

  private void conv(String name, long out, long in, long kernel) {
    add(name + ".weight", Kind.WEIGHT, out, in, kernel, kernel);
    add(name + ".bias", Kind.BIAS, out);
  }

  private void norm(String name, long channels) {
    add(name + ".weight", Kind.NORM_WEIGHT, channels);
    add(name + ".bias", Kind.NORM_BIAS, channels);
  }

  /** ResnetBlock2D; {@code temb} 0 for the VAE (no time embedding projection). */
  private void resnet(String p, long in, long out, long temb) {
    norm(p + ".norm1", in);
    conv(p + ".conv1", out, in, 3);
    if (temb > 0) {
      linear(p + ".time_emb_proj", out, temb, true);
    }
    norm(p + ".norm2", out);
    conv(p + ".conv2", out, out, 3);
    if (in != out) {
      conv(p + ".conv_shortcut", out, in, 1);
    }
  }

  /** The VAE mid block's Attention (group norm, biased q/k/v/out). */
  private void vaeAttention(String p, long c) {
    norm(p + ".group_norm", c);
    linear(p + ".to_q", c, c, true);
    linear(p + ".to_k", c, c, true);
    linear(p + ".to_v", c, c, true);
    linear(p + ".to_out.0", c, c, true);
  }

  /** Transformer2DModel with one BasicTransformerBlock (inner width = channels). */
  private void transformer(String p, long c, long crossDim, boolean linearProjection) {
    norm(p + ".norm", c);
    if (linearProjection) {
      linear(p + ".proj_in", c, c, true);
    } else {
      conv(p + ".proj_in", c, c, 1);
    }
    String b = p + ".transformer_blocks.0";
    norm(b + ".norm1", c);
    linear(b + ".attn1.to_q", c, c, false);
    linear(b + ".attn1.to_k", c, c, false);
    linear(b + ".attn1.to_v", c, c, false);
    linear(b + ".attn1.to_out.0", c, c, true);
    norm(b + ".norm2", c);
    linear(b + ".attn2.to_q", c, c, false);
    linear(b + ".attn2.to_k", c, crossDim, false);
    linear(b + ".attn2.to_v", c, crossDim, false);
    linear(b + ".attn2.to_out.0", c, c, true);
    norm(b + ".norm3", c);
    linear(b + ".ff.net.0.proj", 8 * c, c, true); // GEGLU: value and gate, 4c each
    linear(b + ".ff.net.2", c, 4 * c, true);
    if (linearProjection) {
      linear(p + ".proj_out", c, c, true);
    } else {
      conv(p + ".proj_out", c, c, 1);
    }
  }

  // ---- models ----------------------------------------------------------------------------

  /**
   * UNet2DConditionModel with CrossAttnDownBlock2D/DownBlock2D, UNetMidBlock2DCrossAttn and
   * UpBlock2D/CrossAttnUpBlock2D, one transformer layer per attention, positional time embedding.
   *
   * @param crossAttnDown per down block, whether it has attentions (up blocks mirror it)
   */
  public static ParameterLayout unet(
      int inChannels, int outChannels, List<Integer> blockOut, int layersPerBlock, List<Boolean> crossAttnDown,
      int crossAttentionDim, boolean linearProjection) {
    ParameterLayout l = new ParameterLayout();
    long c0 = blockOut.get(0);
    long temb = 4 * c0;
    int n = blockOut.size();
    l.conv("conv_in", c0, inChannels, 3);
    l.linear("time_embedding.linear_1", temb, c0, true);
    l.linear("time_embedding.linear_2", temb, temb, true);
    long out = c0;
    for (int i = 0; i < n; i++) {
      long in = out;
      out = blockOut.get(i);
      for (int j = 0; j < layersPerBlock; j++) {
        l.resnet("down_blocks." + i + ".resnets." + j, j == 0 ? in : out, out, temb);
        if (crossAttnDown.get(i)) {
          l.transformer("down_blocks." + i + ".attentions." + j, out, crossAttentionDim, linearProjection);
        }
      }
      if (i < n - 1) {
        l.conv("down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
      }
    }
    long mid = blockOut.get(n - 1);
    l.resnet("mid_block.resnets.0", mid, mid, temb);
    l.transformer("mid_block.attentions.0", mid, crossAttentionDim, linearProjection);
    l.resnet("mid_block.resnets.1", mid, mid, temb);
    // Up blocks mirror the down blocks; each resnet also takes a skip connection.
    long upOut = blockOut.get(n - 1);
    for (int i = 0; i < n; i++) {
      long prevOut = upOut;
      upOut = blockOut.get(n - 1 - i);
      long skipIn = blockOut.get(Math.max(n - 2 - i, 0));
      boolean cross = crossAttnDown.get(n - 1 - i);
      for (int j = 0; j <= layersPerBlock; j++) {
        long skip = j == layersPerBlock ? skipIn : upOut;
        long resIn = j == 0 ? prevOut : upOut;
        l.resnet("up_blocks." + i + ".resnets." + j, resIn + skip, upOut, temb);
        if (cross) {
          l.transformer("up_blocks." + i + ".attentions." + j, upOut, crossAttentionDim, linearProjection);
        }
      }
      if (i < n - 1) {
        l.conv("up_blocks." + i + ".upsamplers.0.conv", upOut, upOut, 3);
      }
    }
    l.norm("conv_norm_out", c0);
    l.conv("conv_out", outChannels, c0, 3);
    return l;
  }

  /** AutoencoderKL: encoder, quant convs and decoder (the decoder so the folder is complete). */
  public static ParameterLayout autoencoderKl(int inChannels, int latentChannels, List<Integer> blockOut, int layersPerBlock) {
    ParameterLayout l = new ParameterLayout();
    int n = blockOut.size();
    long last = blockOut.get(n - 1);
    l.conv("encoder.conv_in", blockOut.get(0), inChannels, 3);
    long out = blockOut.get(0);
    for (int i = 0; i < n; i++) {
      long in = out;
      out = blockOut.get(i);
      for (int j = 0; j < layersPerBlock; j++) {
        l.resnet("encoder.down_blocks." + i + ".resnets." + j, j == 0 ? in : out, out, 0);
      }
      if (i < n - 1) {
        l.conv("encoder.down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
      }
    }
    l.vaeMid("encoder.mid_block", last);
    l.norm("encoder.conv_norm_out", last);
    l.conv("encoder.conv_out", 2L * latentChannels, last, 3);
    l.conv("quant_conv", 2L * latentChannels, 2L * latentChannels, 1);
    l.conv("post_quant_conv", latentChannels, latentChannels, 1);
    l.conv("decoder.conv_in", last, latentChannels, 3);
    l.vaeMid("decoder.mid_block", last);
    long upOut = last;
    for (int i = 0; i < n; i++) {
      long prev = upOut;
      upOut = blockOut.get(n - 1 - i);
      for (int j = 0; j <= layersPerBlock; j++) {
        l.resnet("decoder.up_blocks." + i + ".resnets." + j, j == 0 ? prev : upOut, upOut, 0);
      }
      if (i < n - 1) {
        l.conv("decoder.up_blocks." + i + ".upsamplers.0.conv", upOut, upOut, 3);
      }
    }
    l.norm("decoder.conv_norm_out", blockOut.get(0));
    l.conv("decoder.conv_out", inChannels, blockOut.get(0), 3);
    return l;
  }

  private void vaeMid(String p, long c) {
    resnet(p + ".resnets.0", c, c, 0);
    vaeAttention(p + ".attentions.0", c);
    resnet(p + ".resnets.1", c, c, 0);
  }

  /** transformers CLIPTextModel ({@code text_model.*}). */
  public static ParameterLayout clipText(ClipTextConfig c) {
    ParameterLayout l = new ParameterLayout();
    long h = c.hiddenSize();
    l.add("text_model.embeddings.token_embedding.weight", Kind.EMBEDDING, c.vocabSize(), h);
    l.add("text_model.embeddings.position_embedding.weight", Kind.EMBEDDING, c.maxPositions(), h);
    for (int i = 0; i < c.layers(); i++) {
      String p = "text_model.encoder.layers." + i;
      l.norm(p + ".layer_norm1", h);
      l.linear(p + ".self_attn.q_proj", h, h, true);
      l.linear(p + ".self_attn.k_proj", h, h, true);
      l.linear(p + ".self_attn.v_proj", h, h, true);
      l.linear(p + ".self_attn.out_proj", h, h, true);
      l.norm(p + ".layer_norm2", h);
      l.linear(p + ".mlp.fc1", c.intermediateSize(), h, true);
      l.linear(p + ".mlp.fc2", h, c.intermediateSize(), true);
    }
    l.norm("text_model.final_layer_norm", h);
    return l;
  }
}
