package io.alignstream.extractor.sd3;

import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout.Kind;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextParameters;

/**
 * Every parameter (checkpoint name, shape, initialisation kind) of the SD3 components, as
 * diffusers' and transformers' constructors create them: checked against a checkpoint's headers
 * before loading and drawn at random for benchmarks, as UNetParameters, VaeParameters and
 * ClipTextParameters describe the SD 1.x/2.x components.
 */
public final class Sd3Parameters {

  /** The transformer's stored position-embedding table: a buffer, not a parameter (see {@link #transformer}). */
  public static final String POS_EMBED_TABLE = "pos_embed.pos_embed";

  private Sd3Parameters() {}

  /**
   * SD3Transformer2DModel. The sin-cos position table {@value #POS_EMBED_TABLE} [1, M*M, D] is
   * left out: checkpoints store it, but it is a fixed function of the config, computed when
   * absent (as diffusers keeps its computed buffer when a checkpoint lacks it).
   */
  public static ParameterLayout transformer(Sd3TransformerConfig c) {
    ParameterLayout l = new ParameterLayout();
    long d = c.innerDim();
    l.conv("pos_embed.proj", d, c.inChannels(), c.patchSize());
    l.linear("time_text_embed.timestep_embedder.linear_1", d, Sd3TransformerConfig.TIME_PROJ_CHANNELS, true);
    l.linear("time_text_embed.timestep_embedder.linear_2", d, d, true);
    l.linear("time_text_embed.text_embedder.linear_1", d, c.pooledProjectionDim(), true);
    l.linear("time_text_embed.text_embedder.linear_2", d, d, true);
    l.linear("context_embedder", c.captionProjectionDim(), c.jointAttentionDim(), true);
    long ff = Sd3TransformerConfig.FF_MULT * d;
    for (int i = 0; i < c.layers(); i++) {
      String b = "transformer_blocks." + i;
      boolean last = c.contextPreOnly(i);
      l.linear(b + ".norm1.linear", 6 * d, d, true);
      l.linear(b + ".norm1_context.linear", (last ? 2 : 6) * d, d, true);
      for (String p : new String[] {"to_q", "to_k", "to_v", "add_q_proj", "add_k_proj", "add_v_proj"}) {
        l.linear(b + ".attn." + p, d, d, true);
      }
      l.linear(b + ".attn.to_out.0", d, d, true);
      if (!last) {
        l.linear(b + ".attn.to_add_out", d, d, true);
      }
      l.linear(b + ".ff.net.0.proj", ff, d, true);
      l.linear(b + ".ff.net.2", d, ff, true);
      if (!last) {
        l.linear(b + ".ff_context.net.0.proj", ff, d, true);
        l.linear(b + ".ff_context.net.2", d, ff, true);
      }
    }
    l.linear("norm_out.linear", 2 * d, d, true);
    l.linear("proj_out", (long) c.patchSize() * c.patchSize() * c.outChannels(), d, true);
    return l;
  }

  /** transformers' CLIPTextModelWithProjection: CLIPTextModel plus a bias-free {@code text_projection}. */
  public static ParameterLayout clipWithProjection(ClipTextConfig c, int projectionDim) {
    ParameterLayout l = ClipTextParameters.of(c);
    l.linear("text_projection", projectionDim, c.hiddenSize(), false);
    return l;
  }

  /**
   * transformers' T5EncoderModel (v1.1: gated-gelu, no biases anywhere, RMS norms with a scale
   * only); the relative position bias lives in block 0's attention and is shared by all blocks.
   */
  public static ParameterLayout t5Encoder(T5Config c) {
    ParameterLayout l = new ParameterLayout();
    l.add("shared.weight", Kind.EMBEDDING, c.vocabSize(), c.dModel());
    long inner = (long) c.heads() * c.dKv();
    for (int i = 0; i < c.layers(); i++) {
      String b = "encoder.block." + i;
      for (String p : new String[] {"q", "k", "v"}) {
        l.linear(b + ".layer.0.SelfAttention." + p, inner, c.dModel(), false);
      }
      l.linear(b + ".layer.0.SelfAttention.o", c.dModel(), inner, false);
      if (i == 0) {
        l.add(b + ".layer.0.SelfAttention.relative_attention_bias.weight", Kind.EMBEDDING, c.buckets(), c.heads());
      }
      l.add(b + ".layer.0.layer_norm.weight", Kind.NORM_WEIGHT, c.dModel());
      l.linear(b + ".layer.1.DenseReluDense.wi_0", c.dFf(), c.dModel(), false);
      l.linear(b + ".layer.1.DenseReluDense.wi_1", c.dFf(), c.dModel(), false);
      l.linear(b + ".layer.1.DenseReluDense.wo", c.dModel(), c.dFf(), false);
      l.add(b + ".layer.1.layer_norm.weight", Kind.NORM_WEIGHT, c.dModel());
    }
    l.add("encoder.final_layer_norm.weight", Kind.NORM_WEIGHT, c.dModel());
    return l;
  }
}
