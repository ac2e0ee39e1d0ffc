package io.alignstream.extractor.sd3;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.TinyPipeline;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import io.alignstream.extractor.diffusion.vae.VaeParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes the project's miniature Stable Diffusion 3 pipeline ({@code --model tiny-sd3}) as a real
 * diffusers folder, so that SD3 runs on a fresh machine with nothing to download and through the
 * loader a real checkpoint uses: an MMDiT of 3 joint blocks (4 heads x 8, patch 2, position table
 * 32 x 32, so up to 512-pixel images), SD3's 16-channel VAE layout (8x downsampling, no quant
 * convs, SD3's shift and scaling), two CLIP text encoders with projection (16 and 24 wide) over
 * {@link TinyPipeline}'s small BPE vocabulary, and a T5 v1.1 encoder (64 wide, 2 layers) over a
 * small unigram SentencePiece model trained with spm_train (shipped as a resource: SentencePiece
 * training is not reproduced in Java). Weights are drawn from a seeded {@link SplittableRandom}
 * as {@link TinyPipeline}'s are: the same seed writes the same bytes on every machine.
 */
public final class TinySd3Pipeline {

  /** The --model name. */
  public static final String NAME = "tiny-sd3";
  private static final String SPIECE = "tiny-spiece.model";

  private TinySd3Pipeline() {}

  /** Writes the pipeline folder (created if needed, files replaced) and returns it. */
  public static Path write(Path dir, long seed) {
    try {
      Files.createDirectories(dir);
      SplittableRandom root = new SplittableRandom(seed);
      SplittableRandom transformerRng = root.split();
      SplittableRandom vaeRng = root.split();
      SplittableRandom clipRng = root.split();
      SplittableRandom t5Rng = root.split();
      TinyPipeline.writeJson(dir.resolve("model_index.json"), modelIndex());
      int vocab = TinyPipeline.writeClipTokenizer(Files.createDirectories(dir.resolve("tokenizer")), "<|endoftext|>");
      TinyPipeline.writeClipTokenizer(Files.createDirectories(dir.resolve("tokenizer_2")), "!");
      writeClip(dir.resolve("text_encoder"), vocab, 16, "quick_gelu", clipRng);
      writeClip(dir.resolve("text_encoder_2"), vocab, 24, "gelu", clipRng);
      int t5Vocab = writeT5Tokenizer(dir.resolve("tokenizer_3"));
      writeT5(dir.resolve("text_encoder_3"), t5Vocab, t5Rng);
      writeVae(dir.resolve("vae"), vaeRng);
      writeTransformer(dir.resolve("transformer"), transformerRng);
      ObjectNode scheduler = TinyPipeline.obj("FlowMatchEulerDiscreteScheduler");
      scheduler.put("num_train_timesteps", 1000);
      scheduler.put("shift", 3.0);
      TinyPipeline.writeJson(dir.resolve("scheduler").resolve("scheduler_config.json"), scheduler);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the tiny SD3 pipeline to " + dir, e);
    }
  }

  private static ObjectNode modelIndex() {
    ObjectNode o = TinyPipeline.obj("StableDiffusion3Pipeline");
    o.putArray("scheduler").add("diffusers").add("FlowMatchEulerDiscreteScheduler");
    o.putArray("text_encoder").add("transformers").add("CLIPTextModelWithProjection");
    o.putArray("text_encoder_2").add("transformers").add("CLIPTextModelWithProjection");
    o.putArray("text_encoder_3").add("transformers").add("T5EncoderModel");
    o.putArray("tokenizer").add("transformers").add("CLIPTokenizer");
    o.putArray("tokenizer_2").add("transformers").add("CLIPTokenizer");
    o.putArray("tokenizer_3").add("transformers").add("T5TokenizerFast");
    o.putArray("transformer").add("diffusers").add("SD3Transformer2DModel");
    o.putArray("vae").add("diffusers").add("AutoencoderKL");
    return o;
  }

  private static void writeClip(Path dir, int vocab, int width, String act, SplittableRandom rng) throws IOException {
    Files.createDirectories(dir);
    ObjectNode c = TinyPipeline.obj("CLIPTextModelWithProjection");
    c.remove("_class_name");
    c.putArray("architectures").add("CLIPTextModelWithProjection");
    c.put("model_type", "clip_text_model");
    c.put("vocab_size", vocab);
    c.put("hidden_size", width);
    c.put("intermediate_size", 2 * width);
    c.put("num_hidden_layers", 3);
    c.put("num_attention_heads", 4);
    c.put("max_position_embeddings", 77);
    c.put("hidden_act", act);
    c.put("projection_dim", width);
    c.put("layer_norm_eps", 1e-5);
    c.put("bos_token_id", vocab - 2);
    c.put("eos_token_id", vocab - 1);
    ConfigReader config = TinyPipeline.writeConfig(dir, c);
    TinyPipeline.writeWeights(dir.resolve("model.safetensors"),
        Sd3Parameters.clipWithProjection(ClipTextConfig.parse(config), width), rng);
  }

  private static int writeT5Tokenizer(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (InputStream in = TinySd3Pipeline.class.getResourceAsStream(SPIECE)) {
      if (in == null) {
        throw new IOException("resource " + SPIECE + " is missing from the build");
      }
      Files.write(dir.resolve("spiece.model"), in.readAllBytes());
    }
    ObjectNode c = TinyPipeline.obj("T5Tokenizer");
    c.remove("_class_name");
    c.remove("_diffusers_version");
    c.put("tokenizer_class", "T5Tokenizer");
    c.put("eos_token", "</s>");
    c.put("unk_token", "<unk>");
    c.put("pad_token", "<pad>");
    c.put("extra_ids", 100);
    c.put("model_max_length", 512);
    TinyPipeline.writeJson(dir.resolve("tokenizer_config.json"), c);
    return SentencePieceModel.read(dir.resolve("spiece.model")).pieces().size() + 100;
  }

  private static void writeT5(Path dir, int vocab, SplittableRandom rng) throws IOException {
    Files.createDirectories(dir);
    ObjectNode c = TinyPipeline.obj("T5EncoderModel");
    c.remove("_class_name");
    c.putArray("architectures").add("T5EncoderModel");
    c.put("model_type", "t5");
    c.put("vocab_size", vocab);
    c.put("d_model", 64);
    c.put("d_kv", 8);
    c.put("d_ff", 96);
    c.put("num_layers", 2);
    c.put("num_heads", 8);
    c.put("relative_attention_num_buckets", 32);
    c.put("relative_attention_max_distance", 128);
    c.put("feed_forward_proj", "gated-gelu");
    c.put("dense_act_fn", "gelu_new");
    c.put("is_gated_act", true);
    c.put("layer_norm_epsilon", 1e-6);
    ConfigReader config = TinyPipeline.writeConfig(dir, c);
    TinyPipeline.writeWeights(dir.resolve("model.safetensors"), Sd3Parameters.t5Encoder(T5Config.parse(config)), rng);
  }

  private static void writeVae(Path dir, SplittableRandom rng) throws IOException {
    Files.createDirectories(dir);
    ObjectNode c = TinyPipeline.obj("AutoencoderKL");
    c.put("act_fn", "silu");
    ArrayNode channels = c.putArray("block_out_channels");
    ArrayNode down = c.putArray("down_block_types");
    ArrayNode up = c.putArray("up_block_types");
    for (int w : new int[] {8, 16, 16, 16}) {
      channels.add(w);
      down.add("DownEncoderBlock2D");
      up.add("UpDecoderBlock2D");
    }
    c.put("in_channels", 3);
    c.put("out_channels", 3);
    c.put("latent_channels", 16);
    c.put("layers_per_block", 1);
    c.put("norm_num_groups", 4);
    c.put("sample_size", 64);
    c.put("scaling_factor", 1.5305);
    c.put("shift_factor", 0.0609);
    c.putNull("latents_mean");
    c.putNull("latents_std");
    c.put("use_quant_conv", false);
    c.put("use_post_quant_conv", false);
    ConfigReader config = TinyPipeline.writeConfig(dir, c);
    ParameterLayout all = VaeParameters.of(VaeConfig.parse(config));
    ParameterLayout layout = new ParameterLayout(); // SD3's VAE has no quant convs
    for (ParameterLayout.Param p : all.params()) {
      if (!p.name().contains("quant_conv")) {
        layout.add(p.name(), p.kind(), p.shape());
      }
    }
    TinyPipeline.writeWeights(dir.resolve("diffusion_pytorch_model.safetensors"), layout, rng);
  }

  private static void writeTransformer(Path dir, SplittableRandom rng) throws IOException {
    Files.createDirectories(dir);
    ObjectNode c = TinyPipeline.obj("SD3Transformer2DModel");
    c.put("sample_size", 8);
    c.put("patch_size", 2);
    c.put("in_channels", 16);
    c.put("num_layers", 3);
    c.put("attention_head_dim", 8);
    c.put("num_attention_heads", 4);
    c.put("joint_attention_dim", 64);
    c.put("caption_projection_dim", 32);
    c.put("pooled_projection_dim", 40);
    c.put("out_channels", 16);
    c.put("pos_embed_max_size", 32);
    ConfigReader config = TinyPipeline.writeConfig(dir, c);
    Sd3TransformerConfig parsed = Sd3TransformerConfig.parse(config);
    // the position table is a fixed function of the config, stored as real checkpoints store it
    long m = parsed.posEmbedMaxSize();
    TinyPipeline.randomWeights(Sd3Parameters.transformer(parsed), rng)
        .putFloats(Sd3Parameters.POS_EMBED_TABLE, new long[] {1, m * m, parsed.innerDim()},
            Sd3Transformer.sincosTable(parsed))
        .write(dir.resolve("diffusion_pytorch_model.safetensors"));
  }
}
