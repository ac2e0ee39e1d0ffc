package io.alignstream.extractor.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsWriter;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextParameters;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.text.TinyBpe;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.unet.UNetParameters;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import io.alignstream.extractor.diffusion.vae.VaeParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Writes the project's own miniature Stable-Diffusion-2-like pipeline as a real diffusers folder
 * ({@code model_index.json}; {@code unet/}, {@code vae/}, {@code text_encoder/} with config.json
 * and safetensors; {@code tokenizer/} with vocab.json and merges.txt; {@code scheduler/}), so
 * {@code --model tiny} runs on a fresh machine with nothing to download and through exactly the
 * loader a real checkpoint uses.
 *
 * <p>Shapes follow the shared tiny-sd2 fixture (UNet widths 32, 32, 64, 64 with 2, 4, 8, 8
 * heads; VAE 8, 16, 16; CLIP text encoder 32 wide, 2 layers, 4 heads) but the tokenizer is a
 * small BPE vocabulary learned here ({@link TinyBpe}) and the weights are drawn from a seeded
 * {@link SplittableRandom}: the same seed writes the same bytes on every machine. Values are
 * gaussian with the standard deviation {@link ParameterLayout.Param#initStd()} gives; norms start
 * at scale 1, shift 0.
 */
public final class TinyPipeline {

  public static final long DEFAULT_SEED = 0;
  /** Merges learned for the tiny tokenizer (the word list needs fewer to spell every word whole). */
  static final int MAX_MERGES = 400;
  private static final String DIFFUSERS_VERSION = "0.30.3";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static final List<Integer> UNET_CHANNELS = List.of(32, 32, 64, 64);
  static final List<Integer> UNET_HEADS = List.of(2, 4, 8, 8);
  static final List<Integer> VAE_CHANNELS = List.of(8, 16, 16);
  static final int CROSS_DIM = 32;

  /** Words the tokenizer is learned from: docs/method.md's prompt template and common THINGS concepts. */
  private static final String CONCEPTS = """
      aardvark accordion acorn airplane alligator anchor ant apple apron armadillo axe backpack bagel
      ball balloon banana banjo barrel basket bat bathtub beachball bear beaver bed bee beetle bell
      bench bicycle bird blender boat book boot bottle bowl box bracelet bread bridge broom bucket
      butterfly button cabbage cactus cake camel camera candle canoe car carrot castle cat caterpillar
      chair cheese cherry chicken chisel clock cloud coat coconut coin comb cow crab crayon crocodile
      crown cup deer desk dog dolphin donkey door dragonfly drum duck eagle egg elephant envelope fan
      feather fence fish flag flamingo flower flute fork fox frog giraffe glass glove goat grape guitar
      hammer hat helicopter horse house ice cream jacket jellyfish kangaroo kettle key kite knife koala
      ladder lamp leaf lemon leopard lion lizard lobster lock mango monkey moon motorcycle mouse
      mushroom necklace nest octopus onion orange owl panda parrot peacock pear pen penguin piano pig
      pineapple pizza plate pumpkin rabbit raccoon rhinoceros ring robot rocket rose sandwich saxophone
      scissors seal shark sheep shell ship shoe skateboard snail snake sock spider spoon squirrel star
      strawberry sun swan table teapot telephone tiger tomato tractor train tree trumpet turtle umbrella
      violin wagon watch whale wheel window wolf zebra
      """;

  private TinyPipeline() {}

  /** Writes the pipeline for {@link #DEFAULT_SEED}. */
  public static Path write(Path dir) {
    return write(dir, DEFAULT_SEED);
  }

  /** Writes the pipeline folder (created if needed, files replaced) and returns it. */
  public static Path write(Path dir, long seed) {
    try {
      Files.createDirectories(dir);
      SplittableRandom root = new SplittableRandom(seed);
      // One independent stream per component, split in a fixed order.
      SplittableRandom unetRng = root.split();
      SplittableRandom vaeRng = root.split();
      SplittableRandom textRng = root.split();
      writeJson(dir.resolve("model_index.json"), modelIndex());
      int vocabSize = writeClipTokenizer(Files.createDirectories(dir.resolve("tokenizer")), "!");
      writeTextEncoder(Files.createDirectories(dir.resolve("text_encoder")), vocabSize, textRng);
      writeVae(Files.createDirectories(dir.resolve("vae")), vaeRng);
      writeUnet(Files.createDirectories(dir.resolve("unet")), unetRng);
      writeJson(dir.resolve("scheduler").resolve("scheduler_config.json"), schedulerConfig());
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write tiny pipeline to " + dir, e);
    }
  }

  // ---- components --------------------------------------------------------------------------

  private static ObjectNode modelIndex() {
    ObjectNode o = obj("StableDiffusionPipeline");
    o.putArray("feature_extractor").addNull().addNull();
    o.putArray("image_encoder").addNull().addNull();
    o.put("requires_safety_checker", false);
    o.putArray("safety_checker").addNull().addNull();
    o.putArray("scheduler").add("diffusers").add("DDPMScheduler");
    o.putArray("text_encoder").add("transformers").add("CLIPTextModel");
    o.putArray("tokenizer").add("transformers").add("CLIPTokenizer");
    o.putArray("unet").add("diffusers").add("UNet2DConditionModel");
    o.putArray("vae").add("diffusers").add("AutoencoderKL");
    return o;
  }

  /**
   * Writes the tiny CLIP tokenizer (vocab.json, merges.txt, configs) padding with {@code pad}
   * ("!" as SD 2.x and SD3's second tokenizer, the end token as SD3's first) and returns its
   * vocabulary size.
   */
  public static int writeClipTokenizer(Path dir, String pad) throws IOException {
    Map<String, Integer> words = new TreeMap<>();
    String[] concepts = CONCEPTS.trim().split("\\s+");
    for (String w : concepts) {
      words.merge(w, 1, Integer::sum);
    }
    // "a photo of a {concept}" once per concept, plus "an" for vowels.
    words.merge("a", 2 * concepts.length, Integer::sum);
    words.merge("photo", concepts.length, Integer::sum);
    words.merge("of", concepts.length, Integer::sum);
    words.merge("an", concepts.length / 4, Integer::sum);
    TinyBpe bpe = TinyBpe.learn(words, MAX_MERGES);

    ObjectNode vocab = JSON.createObjectNode();
    bpe.vocab().forEach(vocab::put);
    writeJson(dir.resolve("vocab.json"), vocab);
    StringBuilder merges = new StringBuilder("#version: 0.2\n");
    for (String[] m : bpe.merges()) {
      merges.append(m[0]).append(' ').append(m[1]).append('\n');
    }
    Files.writeString(dir.resolve("merges.txt"), merges.toString(), StandardCharsets.UTF_8);

    ObjectNode config = JSON.createObjectNode();
    ObjectNode added = config.putObject("added_tokens_decoder");
    addedToken(added, bpe.vocab().get(pad), pad, !pad.equals("!"));
    addedToken(added, bpe.vocab().get(TinyBpe.BOS), TinyBpe.BOS, true);
    addedToken(added, bpe.vocab().get(TinyBpe.EOS), TinyBpe.EOS, true);
    config.put("bos_token", TinyBpe.BOS);
    config.put("clean_up_tokenization_spaces", true);
    config.put("eos_token", TinyBpe.EOS);
    config.put("errors", "replace");
    config.put("model_max_length", ClipTokenizer.DEFAULT_MAX_LENGTH);
    config.put("pad_token", pad); // SD 2.x pads with "!" (id 0)
    config.put("tokenizer_class", "CLIPTokenizer");
    config.put("unk_token", TinyBpe.EOS);
    writeJson(dir.resolve("tokenizer_config.json"), config);

    ObjectNode special = JSON.createObjectNode();
    special.set("bos_token", specialToken(TinyBpe.BOS));
    special.set("eos_token", specialToken(TinyBpe.EOS));
    special.put("pad_token", pad);
    special.set("unk_token", specialToken(TinyBpe.EOS));
    writeJson(dir.resolve("special_tokens_map.json"), special);
    return bpe.vocab().size();
  }

  private static void addedToken(ObjectNode added, int id, String content, boolean normalized) {
    ObjectNode t = added.putObject(Integer.toString(id));
    t.put("content", content);
    t.put("lstrip", false);
    t.put("normalized", normalized);
    t.put("rstrip", false);
    t.put("single_word", false);
    t.put("special", true);
  }

  private static ObjectNode specialToken(String content) {
    ObjectNode t = JSON.createObjectNode();
    t.put("content", content);
    t.put("lstrip", false);
    t.put("normalized", true);
    t.put("rstrip", false);
    t.put("single_word", false);
    return t;
  }

  private static void writeTextEncoder(Path dir, int vocabSize, SplittableRandom rng) throws IOException {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("CLIPTextModel");
    c.put("attention_dropout", 0.0);
    c.put("bos_token_id", vocabSize - 2);
    c.put("eos_token_id", vocabSize - 1);
    c.put("hidden_act", "gelu");
    c.put("hidden_size", 32);
    c.put("initializer_factor", 1.0);
    c.put("initializer_range", 0.02);
    c.put("intermediate_size", 64);
    c.put("layer_norm_eps", 1e-5);
    c.put("max_position_embeddings", 77);
    c.put("model_type", "clip_text_model");
    c.put("num_attention_heads", 4);
    c.put("num_hidden_layers", 2);
    c.put("pad_token_id", 1);
    c.put("projection_dim", 32);
    c.put("torch_dtype", "float32");
    c.put("vocab_size", vocabSize);
    ConfigReader config = writeConfig(dir, c);
    writeWeights(dir.resolve("model.safetensors"), ClipTextParameters.of(ClipTextConfig.parse(config)), rng);
  }

  private static void writeVae(Path dir, SplittableRandom rng) throws IOException {
    ObjectNode c = obj("AutoencoderKL");
    c.put("act_fn", "silu");
    ints(c.putArray("block_out_channels"), VAE_CHANNELS);
    ArrayNode down = c.putArray("down_block_types");
    ArrayNode up = c.putArray("up_block_types");
    VAE_CHANNELS.forEach(x -> {
      down.add("DownEncoderBlock2D");
      up.add("UpDecoderBlock2D");
    });
    c.put("force_upcast", true);
    c.put("in_channels", 3);
    c.put("latent_channels", 4);
    c.putNull("latents_mean");
    c.putNull("latents_std");
    c.put("layers_per_block", 1);
    c.put("mid_block_add_attention", true);
    c.put("norm_num_groups", 4);
    c.put("out_channels", 3);
    c.put("sample_size", 64);
    c.put("scaling_factor", 0.18215);
    c.putNull("shift_factor");
    c.put("use_post_quant_conv", true);
    c.put("use_quant_conv", true);
    ConfigReader config = writeConfig(dir, c);
    writeWeights(dir.resolve("diffusion_pytorch_model.safetensors"),
        VaeParameters.of(VaeConfig.parse(config)), rng);
  }

  private static void writeUnet(Path dir, SplittableRandom rng) throws IOException {
    ObjectNode c = obj("UNet2DConditionModel");
    c.put("act_fn", "silu");
    c.putNull("addition_embed_type");
    c.put("addition_embed_type_num_heads", 64);
    c.putNull("addition_time_embed_dim");
    ints(c.putArray("attention_head_dim"), UNET_HEADS); // SD 2.x semantics: head COUNT per block
    c.put("attention_type", "default");
    ints(c.putArray("block_out_channels"), UNET_CHANNELS);
    c.put("center_input_sample", false);
    c.putNull("class_embed_type");
    c.put("class_embeddings_concat", false);
    c.put("conv_in_kernel", 3);
    c.put("conv_out_kernel", 3);
    c.put("cross_attention_dim", CROSS_DIM);
    c.putNull("cross_attention_norm");
    c.putArray("down_block_types").add("CrossAttnDownBlock2D").add("CrossAttnDownBlock2D")
        .add("CrossAttnDownBlock2D").add("DownBlock2D");
    c.put("downsample_padding", 1);
    c.put("dropout", 0.0);
    c.put("dual_cross_attention", false);
    c.putNull("encoder_hid_dim");
    c.putNull("encoder_hid_dim_type");
    c.put("flip_sin_to_cos", true);
    c.put("freq_shift", 0);
    c.put("in_channels", 4);
    c.put("layers_per_block", 2);
    c.putNull("mid_block_only_cross_attention");
    c.put("mid_block_scale_factor", 1);
    c.put("mid_block_type", "UNetMidBlock2DCrossAttn");
    c.put("norm_eps", 1e-5);
    c.put("norm_num_groups", 8);
    c.putNull("num_attention_heads");
    c.putNull("num_class_embeds");
    c.put("only_cross_attention", false);
    c.put("out_channels", 4);
    c.putNull("projection_class_embeddings_input_dim");
    c.put("resnet_out_scale_factor", 1.0);
    c.put("resnet_skip_time_act", false);
    c.put("resnet_time_scale_shift", "default");
    c.putNull("reverse_transformer_layers_per_block");
    c.put("sample_size", 16);
    c.putNull("time_cond_proj_dim");
    c.putNull("time_embedding_act_fn");
    c.putNull("time_embedding_dim");
    c.put("time_embedding_type", "positional");
    c.putNull("timestep_post_act");
    c.put("transformer_layers_per_block", 1);
    c.putArray("up_block_types").add("UpBlock2D").add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D")
        .add("CrossAttnUpBlock2D");
    c.put("upcast_attention", false);
    c.put("use_linear_projection", true);
    ConfigReader config = writeConfig(dir, c);
    writeWeights(dir.resolve("diffusion_pytorch_model.safetensors"), UNetParameters.of(UNetConfig.from(config)), rng);
  }

  private static ObjectNode schedulerConfig() {
    ObjectNode c = obj("DDPMScheduler");
    c.put("beta_end", 0.012);
    c.put("beta_schedule", "scaled_linear");
    c.put("beta_start", 0.00085);
    c.put("clip_sample", false);
    c.put("clip_sample_range", 1.0);
    c.put("dynamic_thresholding_ratio", 0.995);
    c.put("num_train_timesteps", 1000);
    c.put("prediction_type", "epsilon");
    c.put("rescale_betas_zero_snr", false);
    c.put("sample_max_value", 1.0);
    c.put("steps_offset", 1);
    c.put("thresholding", false);
    c.put("timestep_spacing", "leading");
    c.putNull("trained_betas");
    c.put("variance_type", "fixed_small");
    return c;
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** A diffusers config object: _class_name and _diffusers_version. */
  public static ObjectNode obj(String className) {
    ObjectNode o = JSON.createObjectNode();
    o.put("_class_name", className);
    o.put("_diffusers_version", DIFFUSERS_VERSION);
    return o;
  }

  private static void ints(ArrayNode array, List<Integer> values) {
    values.forEach(array::add);
  }

  /**
   * Writes a component's config.json and returns it parsed as its loader will parse it, so that
   * the weights are laid out from the very values the folder states.
   */
  public static ConfigReader writeConfig(Path dir, ObjectNode config) throws IOException {
    Path file = dir.resolve("config.json");
    writeJson(file, config);
    return new ConfigReader(config, file);
  }

  public static void writeJson(Path file, ObjectNode node) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, JSON.writeValueAsString(node) + "\n", StandardCharsets.UTF_8);
  }

  /** Every parameter of the layout, in layout order, drawn from {@code rng}, written to {@code file}. */
  public static void writeWeights(Path file, ParameterLayout layout, SplittableRandom rng) {
    randomWeights(layout, rng).write(file);
  }

  /** A writer holding every parameter of the layout drawn from {@code rng} (add more tensors before writing). */
  public static SafetensorsWriter randomWeights(ParameterLayout layout, SplittableRandom rng) {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    for (ParameterLayout.Param p : layout.params()) {
      w.putFloats(p.name(), p.shape(), values(p, rng));
    }
    return w;
  }

  private static float[] values(ParameterLayout.Param p, SplittableRandom rng) {
    float[] v = new float[Math.toIntExact(p.size())];
    switch (p.kind()) {
      case NORM_WEIGHT -> java.util.Arrays.fill(v, 1f);
      case NORM_BIAS -> { } // zeros
      default -> gaussian(v, p.initStd(), rng);
    }
    return v;
  }

  /**
   * Gaussian values by Box-Muller on SplittableRandom's doubles: both are fully specified
   * algorithms, so the values (unlike nextGaussian's, which may change between JDKs) are the same
   * on every Java runtime.
   */
  private static void gaussian(float[] out, double std, SplittableRandom rng) {
    for (int i = 0; i < out.length; i += 2) {
      double u1 = 1.0 - rng.nextDouble(); // (0, 1]: log is finite
      double u2 = rng.nextDouble();
      double r = Math.sqrt(-2.0 * Math.log(u1));
      out[i] = (float) (std * r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < out.length) {
        out[i + 1] = (float) (std * r * Math.sin(2 * Math.PI * u2));
      }
    }
  }
}
