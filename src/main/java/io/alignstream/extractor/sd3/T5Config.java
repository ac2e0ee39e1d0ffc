package io.alignstream.extractor.sd3;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.List;

/**
 * The parts of a transformers {@code T5Config} the T5 v1.1 encoder needs (SD3's
 * {@code text_encoder_3}, T5-XXL: d_model 4096, 24 layers, 64 heads x 64, d_ff 10240).
 *
 * @param vocabSize rows of the shared token embedding
 * @param dModel model width
 * @param dKv width of an attention head
 * @param dFf gated feed-forward width
 * @param layers encoder blocks
 * @param heads attention heads
 * @param buckets relative position buckets (32)
 * @param maxDistance relative distance from which all positions share the last bucket (128)
 * @param eps RMS norm epsilon
 */
public record T5Config(
    int vocabSize, int dModel, int dKv, int dFf, int layers, int heads, int buckets, int maxDistance, double eps) {

  public static T5Config parse(ConfigReader cfg) {
    // T5 v1.1 (and SD3's T5-XXL) gates a tanh-GELU branch; the original T5's ReLU MLP is another network
    cfg.requireOneOf("feed_forward_proj", "relu", List.of("gated-gelu"));
    cfg.requireOneOf("dense_act_fn", "gelu_new", List.of("gelu_new", "gelu_pytorch_tanh"));
    T5Config c = new T5Config(
        cfg.requireInt("vocab_size"),
        cfg.requireInt("d_model"),
        cfg.requireInt("d_kv"),
        cfg.requireInt("d_ff"),
        cfg.requireInt("num_layers"),
        cfg.requireInt("num_heads"),
        cfg.intOr("relative_attention_num_buckets", 32),
        cfg.intOr("relative_attention_max_distance", 128),
        cfg.doubleOr("layer_norm_epsilon", 1e-6));
    if (c.buckets < 4 || c.buckets % 4 != 0) {
      throw CheckpointException.unsupported(cfg.file(), "relative_attention_num_buckets", c.buckets,
          "a multiple of 4 (half per direction, half of those exact)");
    }
    return c;
  }
}
