package io.alignstream.extractor.diffusion.vae;

import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import java.util.List;

/** Every parameter of an AutoencoderKL as diffusers creates it, in module order. */
public final class VaeParameters {

  private VaeParameters() {}

  /** Encoder, quant convs and decoder (the decoder so that a random folder is complete). */
  public static ParameterLayout of(VaeConfig c) {
    ParameterLayout l = new ParameterLayout();
    int inChannels = c.inChannels();
    int latentChannels = c.latentChannels();
    List<Integer> blockOut = c.blockOutChannels();
    int layersPerBlock = c.layersPerBlock();
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
    mid(l, "encoder.mid_block", last);
    l.norm("encoder.conv_norm_out", last);
    l.conv("encoder.conv_out", 2L * latentChannels, last, 3);
    if (c.useQuantConv()) {
      l.conv("quant_conv", 2L * latentChannels, 2L * latentChannels, 1);
    }
    if (c.usePostQuantConv()) {
      l.conv("post_quant_conv", latentChannels, latentChannels, 1);
    }
    l.conv("decoder.conv_in", last, latentChannels, 3);
    mid(l, "decoder.mid_block", last);
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
    l.conv("decoder.conv_out", c.outChannels(), blockOut.get(0), 3);
    return l;
  }

  /** UNetMidBlock2D: resnet, attention, resnet. */
  private static void mid(ParameterLayout l, String p, long c) {
    l.resnet(p + ".resnets.0", c, c, 0);
    attention(l, p + ".attentions.0", c);
    l.resnet(p + ".resnets.1", c, c, 0);
  }

  /** The VAE mid block's Attention (group norm, biased q/k/v/out). */
  private static void attention(ParameterLayout l, String p, long c) {
    l.norm(p + ".group_norm", c);
    l.linear(p + ".to_q", c, c, true);
    l.linear(p + ".to_k", c, c, true);
    l.linear(p + ".to_v", c, c, true);
    l.linear(p + ".to_out.0", c, c, true);
  }
}
