package io.alignstream.extractor.diffusion;

import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each diffusers/transformers parameter lives in an original-format (LDM / CompVis /
 * A1111) Stable Diffusion checkpoint: the inverse of the tables in diffusers'
 * {@code convert_diffusers_to_original_stable_diffusion.py}, derived from the component's config
 * rather than hard-coded for four levels of two resnets.
 *
 * <p>Most parameters are only renamed. Two kinds change shape, and both stay one contiguous byte
 * range of the stored tensor, so a view needs no copy: the VAE mid-block attention keeps its
 * q/k/v/out projections as 1x1 convolutions ({@code [C, C, 1, 1]} for diffusers' {@code [C, C]}),
 * and OpenCLIP fuses the text encoder's q, k and v projections, in that order, into
 * {@code attn.in_proj_weight} {@code [3H, H]} and {@code attn.in_proj_bias} {@code [3H]}.
 */
final class LdmNames {

  static final String UNET = "model.diffusion_model.";
  static final String VAE = "first_stage_model.";
  static final String OPEN_CLIP = "cond_stage_model.model.";
  static final String CLIP = "cond_stage_model.transformer.";

  /**
   * Where one diffusers parameter is stored.
   *
   * @param name the LDM name
   * @param part which of {@code parts} equal slices along dim 0 (0 when {@code parts} is 1)
   * @param parts 3 for OpenCLIP's fused q/k/v, else 1
   */
  record Source(String name, int part, int parts) {
    static Source whole(String name) {
      return new Source(name, 0, 1);
    }
  }

  /** A module prefix and its LDM counterpart; {@code resnet} renames a ResnetBlock2D's children too. */
  private record Rule(String diffusers, String ldm, Map<String, String> children) {}

  /** UNet ResnetBlock2D children, diffusers -> LDM ResBlock. */
  private static final Map<String, String> UNET_RESNET = Map.of(
      "norm1", "in_layers.0", "conv1", "in_layers.2", "time_emb_proj", "emb_layers.1",
      "norm2", "out_layers.0", "conv2", "out_layers.3", "conv_shortcut", "skip_connection");
  /** VAE ResnetBlock2D children: only the shortcut is renamed. */
  private static final Map<String, String> VAE_RESNET = Map.of("conv_shortcut", "nin_shortcut");
  /** VAE mid-block Attention children, diffusers -> LDM AttnBlock. */
  private static final Map<String, String> VAE_ATTENTION = Map.of(
      "group_norm", "norm", "to_q", "q", "to_k", "k", "to_v", "v", "to_out.0", "proj_out");
  private static final Map<String, String> NONE = Map.of();
  /** A text encoder layer's q/k/v projection: layer, which projection, weight or bias. */
  private static final Pattern FUSED =
      Pattern.compile("text_model\\.encoder\\.layers\\.(\\d+)\\.self_attn\\.([qkv])_proj\\.(weight|bias)");

  private final List<Rule> rules;
  private final String prefix;

  private LdmNames(String prefix, List<Rule> rules) {
    this.prefix = prefix;
    this.rules = List.copyOf(rules);
  }

  /** UNet2DConditionModel -> LDM {@code UNetModel} (input_blocks, middle_block, output_blocks). */
  static LdmNames unet(UNetConfig c) {
    List<Rule> r = new ArrayList<>();
    r.add(new Rule("time_embedding.linear_1.", "time_embed.0.", NONE));
    r.add(new Rule("time_embedding.linear_2.", "time_embed.2.", NONE));
    r.add(new Rule("conv_in.", "input_blocks.0.0.", NONE));
    r.add(new Rule("conv_norm_out.", "out.0.", NONE));
    r.add(new Rule("conv_out.", "out.2.", NONE));
    // LDM numbers its input blocks through the levels: each resnet (with its attention) is one
    // block, each downsampler another, after the stem block 0.
    int block = 1;
    for (int i = 0; i < c.levels(); i++) {
      for (int j = 0; j < c.layersPerBlock().get(i); j++, block++) {
        r.add(new Rule("down_blocks." + i + ".resnets." + j + ".", "input_blocks." + block + ".0.", UNET_RESNET));
        r.add(new Rule("down_blocks." + i + ".attentions." + j + ".", "input_blocks." + block + ".1.", NONE));
      }
      if (c.downHasDownsampler(i)) {
        r.add(new Rule("down_blocks." + i + ".downsamplers.0.conv.", "input_blocks." + block + ".0.op.", NONE));
        block++;
      }
    }
    r.add(new Rule("mid_block.resnets.0.", "middle_block.0.", UNET_RESNET));
    r.add(new Rule("mid_block.attentions.0.", "middle_block.1.", NONE));
    r.add(new Rule("mid_block.resnets.1.", "middle_block.2.", UNET_RESNET));
    // Output blocks: one per up resnet; the level's upsampler joins its last block after the
    // resnet (and the attention, when there is one).
    block = 0;
    for (int i = 0; i < c.levels(); i++) {
      int resnets = c.upResnets(i);
      for (int j = 0; j < resnets; j++, block++) {
        r.add(new Rule("up_blocks." + i + ".resnets." + j + ".", "output_blocks." + block + ".0.", UNET_RESNET));
        r.add(new Rule("up_blocks." + i + ".attentions." + j + ".", "output_blocks." + block + ".1.", NONE));
        if (j == resnets - 1 && c.upHasUpsampler(i)) {
          int position = c.upHasAttention(i) ? 2 : 1;
          r.add(new Rule("up_blocks." + i + ".upsamplers.0.conv.", "output_blocks." + block + "." + position + ".conv.",
              NONE));
        }
      }
    }
    return new LdmNames(UNET, r);
  }

  /** AutoencoderKL -> LDM {@code AutoencoderKL} (encoder.down.i.block.j, decoder.up numbered from the bottom). */
  static LdmNames vae(VaeConfig c) {
    List<Rule> r = new ArrayList<>();
    int levels = c.blockOutChannels().size();
    for (String part : List.of("encoder", "decoder")) {
      r.add(new Rule(part + ".conv_in.", part + ".conv_in.", NONE));
      r.add(new Rule(part + ".conv_norm_out.", part + ".norm_out.", NONE));
      r.add(new Rule(part + ".conv_out.", part + ".conv_out.", NONE));
      r.add(new Rule(part + ".mid_block.resnets.0.", part + ".mid.block_1.", VAE_RESNET));
      r.add(new Rule(part + ".mid_block.attentions.0.", part + ".mid.attn_1.", VAE_ATTENTION));
      r.add(new Rule(part + ".mid_block.resnets.1.", part + ".mid.block_2.", VAE_RESNET));
    }
    for (int i = 0; i < levels; i++) {
      for (int j = 0; j < c.layersPerBlock(); j++) {
        r.add(new Rule("encoder.down_blocks." + i + ".resnets." + j + ".", "encoder.down." + i + ".block." + j + ".",
            VAE_RESNET));
      }
      r.add(new Rule("encoder.down_blocks." + i + ".downsamplers.0.conv.", "encoder.down." + i + ".downsample.conv.",
          NONE));
      // LDM numbers decoder levels from the bottom: diffusers' up_blocks.0 is LDM's up.(levels - 1).
      int ldm = levels - 1 - i;
      for (int j = 0; j <= c.layersPerBlock(); j++) {
        r.add(new Rule("decoder.up_blocks." + i + ".resnets." + j + ".", "decoder.up." + ldm + ".block." + j + ".",
            VAE_RESNET));
      }
      r.add(new Rule("decoder.up_blocks." + i + ".upsamplers.0.conv.", "decoder.up." + ldm + ".upsample.conv.", NONE));
    }
    r.add(new Rule("quant_conv.", "quant_conv.", NONE));
    r.add(new Rule("post_quant_conv.", "post_quant_conv.", NONE));
    return new LdmNames(VAE, r);
  }

  /** transformers CLIPTextModel -> the SD 1.x file's own transformers names under {@code base}. */
  static LdmNames clip(String base) {
    return new LdmNames(base, List.of(new Rule("text_model.", "text_model.", NONE)));
  }

  /** transformers CLIPTextModel -> OpenCLIP's text tower (SD 2.x). */
  static LdmNames openClip(int layers) {
    List<Rule> r = new ArrayList<>();
    r.add(new Rule("text_model.embeddings.token_embedding.", "token_embedding.", NONE));
    r.add(new Rule("text_model.final_layer_norm.", "ln_final.", NONE));
    Map<String, String> block = Map.of("layer_norm1", "ln_1", "layer_norm2", "ln_2", "self_attn.out_proj",
        "attn.out_proj", "mlp.fc1", "mlp.c_fc", "mlp.fc2", "mlp.c_proj");
    for (int i = 0; i < layers; i++) {
      r.add(new Rule("text_model.encoder.layers." + i + ".", "transformer.resblocks." + i + ".", block));
    }
    return new LdmNames(OPEN_CLIP, r);
  }

  /** Where a diffusers/transformers parameter is stored in the file (full LDM name). */
  Source source(String name) {
    if (prefix.equals(OPEN_CLIP)) {
      if (name.equals("text_model.embeddings.position_embedding.weight")) {
        return Source.whole(prefix + "positional_embedding"); // a bare parameter in OpenCLIP, no ".weight"
      }
      Matcher fused = FUSED.matcher(name);
      if (fused.matches()) {
        return new Source(prefix + "transformer.resblocks." + fused.group(1) + ".attn.in_proj_" + fused.group(3),
            List.of("q", "k", "v").indexOf(fused.group(2)), 3);
      }
    }
    return Source.whole(prefix + ldm(name));
  }

  private String ldm(String name) {
    for (Rule r : rules) {
      if (name.startsWith(r.diffusers())) {
        String rest = name.substring(r.diffusers().length());
        for (Map.Entry<String, String> child : r.children().entrySet()) {
          if (rest.startsWith(child.getKey() + ".")) {
            rest = child.getValue() + rest.substring(child.getKey().length());
            break;
          }
        }
        return r.ldm() + rest;
      }
    }
    throw new IllegalArgumentException("no LDM name for '" + name + "'"); // the layout and the rules disagree: a bug
  }
}
