package io.alignstream.extractor.diffusion.unet;

/**
 * Analytical floating-point operation count of one full UNet forward, for reporting GFLOP/s: a
 * multiply-add counts 2. Counted are the convolutions (including 1x1 shortcuts and 1x1
 * projections), the Linear layers (projections, feed-forward, time embedding) and the two
 * attention matmuls (Q K^T and softmax x V); norms, activations, softmax and additions are
 * left out (well under 1% for SD).
 *
 * <p>The count follows diffusers, which expands one timestep to the whole batch: the time MLP
 * is counted once per batch entry (this port computes it once per distinct timestep row, a
 * negligible difference).
 *
 * @param convolution FLOPs in Conv2d layers
 * @param linear FLOPs in Linear layers
 * @param attention FLOPs in the Q K^T and A V matmuls
 */
public record UNetFlops(long convolution, long linear, long attention) {

  public long total() {
    return convolution + linear + attention;
  }

  /**
   * The count for one forward.
   *
   * @param config the architecture
   * @param batch batch size
   * @param latentHeight latent rows (a multiple of {@link UNetConfig#downsamplingFactor()})
   * @param latentWidth latent columns
   * @param contextTokens text tokens attended to (77 for CLIP)
   */
  public static UNetFlops of(UNetConfig config, int batch, int latentHeight, int latentWidth, int contextTokens) {
    Counter n = new Counter(config, batch, contextTokens);
    n.unet(latentHeight, latentWidth);
    return new UNetFlops(n.conv, n.linear, n.attention);
  }

  @Override
  public String toString() {
    return String.format("%.3f GFLOP (conv %.3f, linear %.3f, attention %.3f)",
        total() / 1e9, convolution / 1e9, linear / 1e9, attention / 1e9);
  }

  /** Walks {@link UNetConfig#modules()}, each module at its own resolution. */
  private static final class Counter {

    private final UNetConfig c;
    private final long batch;
    private final long tokens;
    long conv;
    long linear;
    long attention;

    Counter(UNetConfig config, int batch, int contextTokens) {
      this.c = config;
      this.batch = batch;
      this.tokens = contextTokens;
    }

    void unet(long height, long width) {
      for (UNetConfig.Module m : c.modules()) {
        long positions = m.downscale() == 0 ? 0 : (height / m.downscale()) * (width / m.downscale());
        switch (m.kind()) {
          case TIME_EMBEDDING -> {
            dense(1, m.inChannels(), m.outChannels()); // linear_1
            dense(1, m.outChannels(), m.outChannels()); // linear_2
          }
          case CONV_IN, OUT, DOWNSAMPLER, UPSAMPLER -> conv(positions, m.inChannels(), m.outChannels(), 3);
          case RESNET -> resnet(positions, m.inChannels(), m.outChannels());
          case TRANSFORMER -> transformer2d(positions, m.outChannels(), m.transformerLayers(), m.crossAttentionDim());
          case TIME_PROJ, BLOCK -> { } // no weights; a block's work is counted in its modules
        }
      }
    }

    private void resnet(long positions, int in, int out) {
      conv(positions, in, out, 3); // conv1
      dense(1, c.timeEmbedDim(), out); // time_emb_proj, once per sample
      conv(positions, out, out, 3); // conv2
      if (in != out) {
        conv(positions, in, out, 1); // conv_shortcut
      }
    }

    private void transformer2d(long positions, int channels, int layers, int crossDim) {
      projection(positions, channels); // proj_in
      for (int k = 0; k < layers; k++) {
        // attn1: q, k, v, out over positions; scores and weighted sum over positions x positions
        dense(positions, channels, channels);
        dense(positions, channels, channels);
        dense(positions, channels, channels);
        dense(positions, channels, channels);
        attention(positions, positions, channels);
        // attn2: q and out over positions; k and v over the text tokens
        dense(positions, channels, channels);
        dense(tokens, crossDim, channels);
        dense(tokens, crossDim, channels);
        dense(positions, channels, channels);
        attention(positions, tokens, channels);
        // GEGLU feed-forward: C -> 2 x 4C, 4C -> C
        dense(positions, channels, 2 * UNetConfig.FF_MULT * channels);
        dense(positions, UNetConfig.FF_MULT * channels, channels);
      }
      projection(positions, channels); // proj_out
    }

    private void projection(long positions, int channels) {
      if (c.useLinearProjection()) {
        dense(positions, channels, channels);
      } else {
        conv(positions, channels, channels, 1);
      }
    }

    /** A Linear applied to {@code rows} vectors per sample. */
    private void dense(long rows, long in, long out) {
      linear += 2 * batch * rows * in * out;
    }

    /** A Conv2d producing {@code positions} outputs per sample. */
    private void conv(long positions, long in, long out, int kernel) {
      conv += 2 * batch * positions * out * in * kernel * kernel;
    }

    /** Q K^T ([N, d] x [d, M] per head) plus A V ([N, M] x [M, d]), summed over heads: width = heads x d. */
    private void attention(long queries, long keys, long width) {
      attention += 2 * (2 * batch * queries * keys * width);
    }
  }
}
