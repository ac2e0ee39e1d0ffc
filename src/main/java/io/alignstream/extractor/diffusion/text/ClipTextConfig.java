package io.alignstream.extractor.diffusion.text;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.List;

/**
 * The parts of a transformers {@code CLIPTextConfig} the text encoder needs.
 *
 * @param vocabSize rows of the token embedding
 * @param hiddenSize width of every layer
 * @param intermediateSize MLP width
 * @param layers number of encoder layers
 * @param heads attention heads
 * @param maxPositions rows of the position embedding (77)
 * @param layerNormEps layer-norm epsilon
 * @param hiddenAct "gelu" (exact erf; OpenCLIP, SD 2.x) or "quick_gelu" (OpenAI CLIP, SD 1.x)
 */
public record ClipTextConfig(
    int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int maxPositions,
    double layerNormEps, String hiddenAct) {

  static final List<String> ACTIVATIONS = List.of("gelu", "quick_gelu");

  public static ClipTextConfig parse(ConfigReader cfg) {
    ClipTextConfig c = new ClipTextConfig(
        cfg.requireInt("vocab_size"),
        cfg.requireInt("hidden_size"),
        cfg.requireInt("intermediate_size"),
        cfg.requireInt("num_hidden_layers"),
        cfg.requireInt("num_attention_heads"),
        cfg.intOr("max_position_embeddings", 77),
        cfg.doubleOr("layer_norm_eps", 1e-5),
        cfg.requireOneOf("hidden_act", "quick_gelu", ACTIVATIONS));
    if (c.hiddenSize % c.heads != 0) {
      throw CheckpointException.unsupported(
          cfg.file(), "num_attention_heads", c.heads, "a divisor of hidden_size " + c.hiddenSize);
    }
    return c;
  }
}
