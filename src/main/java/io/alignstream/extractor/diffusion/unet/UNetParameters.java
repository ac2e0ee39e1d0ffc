package io.alignstream.extractor.diffusion.unet;

import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import java.util.List;

/**
 * Every parameter of a UNet2DConditionModel with CrossAttnDownBlock2D/DownBlock2D,
 * UNetMidBlock2DCrossAttn and UpBlock2D/CrossAttnUpBlock2D and a positional time embedding, as
 * its __init__ creates them, read from {@link UNetConfig#modules()}.
 */
public final class UNetParameters {

  private UNetParameters() {}

  /** The parameters of the UNet a config describes, in module order. */
  public static ParameterLayout of(UNetConfig c) {
    ParameterLayout l = new ParameterLayout();
    long temb = c.timeEmbedDim();
    List<UNetConfig.Module> modules = c.modules();
    // diffusers registers conv_in before the time embedding; random checkpoints draw their
    // values in this order, so it is kept
    modules.stream().filter(m -> m.kind() == UNetConfig.ModuleKind.CONV_IN)
        .forEach(m -> l.conv(m.path(), m.outChannels(), m.inChannels(), 3));
    for (UNetConfig.Module m : modules) {
      String p = m.path();
      switch (m.kind()) {
        case TIME_EMBEDDING -> {
          l.linear(p + ".linear_1", m.outChannels(), m.inChannels(), true);
          l.linear(p + ".linear_2", m.outChannels(), m.outChannels(), true);
        }
        case RESNET -> l.resnet(p, m.inChannels(), m.outChannels(), temb);
        case TRANSFORMER -> transformer(l, p, m.outChannels(), m.transformerLayers(), m.crossAttentionDim(),
            c.useLinearProjection());
        case DOWNSAMPLER, UPSAMPLER -> l.conv(p + ".conv", m.outChannels(), m.inChannels(), 3);
        case OUT -> {
          l.norm("conv_norm_out", m.inChannels());
          l.conv("conv_out", m.outChannels(), m.inChannels(), 3);
        }
        case TIME_PROJ, CONV_IN, BLOCK -> { } // no weights, or added above
      }
    }
    return l;
  }

  /** Transformer2DModel of {@code blocks} BasicTransformerBlocks (inner width = channels). */
  private static void transformer(ParameterLayout l, String p, long c, int blocks, long crossDim,
      boolean linearProjection) {
    l.norm(p + ".norm", c);
    projection(l, p + ".proj_in", c, linearProjection);
    for (int k = 0; k < blocks; k++) {
      String b = p + ".transformer_blocks." + k;
      l.norm(b + ".norm1", c);
      attention(l, b + ".attn1", c, c);
      l.norm(b + ".norm2", c);
      attention(l, b + ".attn2", c, crossDim);
      l.norm(b + ".norm3", c);
      long inner = UNetConfig.FF_MULT * c;
      l.linear(b + ".ff.net.0.proj", 2 * inner, c, true); // GEGLU: value and gate halves
      l.linear(b + ".ff.net.2", c, inner, true);
    }
    projection(l, p + ".proj_out", c, linearProjection);
  }

  /** proj_in/proj_out: Linear over tokens (SD 2.x) or a 1x1 conv over the map (SD 1.x). */
  private static void projection(ParameterLayout l, String name, long c, boolean linear) {
    if (linear) {
      l.linear(name, c, c, true);
    } else {
      l.conv(name, c, c, 1);
    }
  }

  /** A BasicTransformerBlock's Attention: unbiased q/k/v (k and v from the context), biased out. */
  private static void attention(ParameterLayout l, String p, long dim, long contextDim) {
    l.linear(p + ".to_q", dim, dim, false);
    l.linear(p + ".to_k", dim, contextDim, false);
    l.linear(p + ".to_v", dim, contextDim, false);
    l.linear(p + ".to_out.0", dim, dim, true);
  }
}
