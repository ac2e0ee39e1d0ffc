package io.alignstream.extractor.diffusion.text;

import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout.Kind;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;

/** Every parameter of transformers' CLIPTextModel ({@code text_model.*}), in module order. */
public final class ClipTextParameters {

  private ClipTextParameters() {}

  /** The parameters of the text encoder a config describes. */
  public static ParameterLayout of(ClipTextConfig c) {
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
