package io.alignstream.extractor.diffusion;

/**
 * The shape of what a UNet module emits, derived from the config without running it: its
 * channels and how many times smaller than the latent its map is. The model card lists each
 * layer's vector length before any image arrives, and pooled lengths (mean, max) are the
 * channels; flattened ones depend on the resolution.
 *
 * @param channels channels of the module's output (or the width of a time embedding)
 * @param downscale latent side / map side (1 for conv_in and out); 0 for the time embeddings,
 *     which are vectors rather than maps
 */
public record TapGeometry(int channels, int downscale) {

  /** The geometry of a module path of {@link UNetConfig#modulePaths()}. */
  public static TapGeometry of(UNetConfig c, String path) {
    Taps.requireValid(java.util.List.of(path), c);
    switch (path) {
      case "time_proj":
        return new TapGeometry(c.blockOutChannels().get(0), 0);
      case "time_embedding":
        return new TapGeometry(c.timeEmbedDim(), 0);
      case "conv_in":
        return new TapGeometry(c.blockOutChannels().get(0), 1);
      case "out":
        return new TapGeometry(c.outChannels(), 1);
      default:
        break;
    }
    String[] parts = path.split("\\.");
    if (parts[0].equals("mid_block")) {
      return new TapGeometry(c.midChannels(), 1 << (c.levels() - 1));
    }
    int block = Integer.parseInt(parts[1]);
    // A block's own output and its resampler's are after the resampler; its resnets and attentions before.
    boolean afterResampler = parts.length == 2 || parts[2].equals("downsamplers") || parts[2].equals("upsamplers");
    if (parts[0].equals("down_blocks")) {
      int level = block + (afterResampler && c.downHasDownsampler(block) ? 1 : 0);
      return new TapGeometry(c.downOutChannels(block), 1 << level);
    }
    int level = c.upLevel(block) - (afterResampler && c.upHasUpsampler(block) ? 1 : 0);
    return new TapGeometry(c.upOutChannels(block), 1 << level);
  }

  /** Whether the module emits a spatial map (everything but the time embeddings). */
  public boolean spatial() {
    return downscale > 0;
  }

  /** Length of the module's output for one sample when pooled as given, at a latent side. */
  public int pooledLength(Pooling pooling, int latentSide) {
    if (!spatial() || pooling == Pooling.MEAN || pooling == Pooling.MAX) {
      return channels;
    }
    int side = latentSide / downscale;
    return channels * side * side;
  }
}
