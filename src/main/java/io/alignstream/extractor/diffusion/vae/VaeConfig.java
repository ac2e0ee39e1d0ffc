package io.alignstream.extractor.diffusion.vae;

import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.List;

/**
 * A diffusers {@code AutoencoderKL} config: the encoder ({@link VaeEncoder}) and the decoder
 * ({@link VaeDecoder}) mirror each other, so one set of widths describes both.
 *
 * @param inChannels image channels the encoder reads (3)
 * @param outChannels image channels the decoder writes (3)
 * @param latentChannels latent channels (4); the encoder emits twice as many moments
 * @param blockOutChannels output channels per down block; the decoder's up blocks run them in reverse
 * @param layersPerBlock resnets per down block; each up block has one more
 * @param normGroups GroupNorm groups everywhere in the encoder and the decoder
 * @param midBlockAttention whether the mid blocks have their attention layer
 * @param useQuantConv whether {@code quant_conv} follows the encoder
 * @param usePostQuantConv whether {@code post_quant_conv} precedes the decoder
 * @param scalingFactor latents = scalingFactor * (z - shiftFactor)
 * @param shiftFactor 0 for SD 1.x/2.x (their configs say null)
 */
public record VaeConfig(
    int inChannels, int outChannels, int latentChannels, List<Integer> blockOutChannels, int layersPerBlock,
    int normGroups, boolean midBlockAttention, boolean useQuantConv, boolean usePostQuantConv, double scalingFactor,
    double shiftFactor) {

  public VaeConfig {
    blockOutChannels = List.copyOf(blockOutChannels);
  }

  public static VaeConfig parse(ConfigReader cfg) {
    List<Integer> channels = cfg.intList("block_out_channels", 1);
    List<String> downTypes = cfg.stringList("down_block_types");
    for (String t : downTypes) {
      if (!t.equals("DownEncoderBlock2D")) {
        throw CheckpointException.unsupported(cfg.file(), "down_block_types", downTypes, List.of("DownEncoderBlock2D"));
      }
    }
    if (downTypes.size() != channels.size()) {
      throw CheckpointException.unsupported(
          cfg.file(), "down_block_types", downTypes, "one entry per block_out_channels " + channels);
    }
    if (cfg.has("up_block_types")) {
      List<String> upTypes = cfg.stringList("up_block_types");
      if (upTypes.size() != channels.size() || upTypes.stream().anyMatch(t -> !t.equals("UpDecoderBlock2D"))) {
        throw CheckpointException.unsupported(
            cfg.file(), "up_block_types", upTypes, "UpDecoderBlock2D once per block_out_channels " + channels);
      }
    }
    cfg.requireOneOf("act_fn", "silu", List.of("silu"));
    cfg.requireNull("latents_mean", "per-channel latent statistics are not implemented");
    cfg.requireNull("latents_std", "per-channel latent statistics are not implemented");
    int groups = cfg.intOr("norm_num_groups", 32);
    for (int c : channels) {
      if (c % groups != 0) {
        throw CheckpointException.unsupported(cfg.file(), "norm_num_groups", groups, "a divisor of every block width " + channels);
      }
    }
    return new VaeConfig(
        cfg.intOr("in_channels", 3),
        cfg.intOr("out_channels", 3),
        cfg.intOr("latent_channels", 4),
        channels,
        cfg.intOr("layers_per_block", 1),
        groups,
        cfg.boolOr("mid_block_add_attention", true),
        cfg.boolOr("use_quant_conv", true),
        cfg.boolOr("use_post_quant_conv", true),
        cfg.doubleOr("scaling_factor", 0.18215),
        cfg.doubleOr("shift_factor", 0.0));
  }
}
