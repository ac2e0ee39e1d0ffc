package io.alignstream.extractor.vision;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How one layer's output for one image becomes the vector a setting scores, as thingsvision
 * offers it. What applies depends on the output's kind (its shape without the batch axis):
 *
 * <table>
 *   <caption>pooling per kind (default first)</caption>
 *   <tr><th>kind</th><th>shape</th><th>poolings</th></tr>
 *   <tr><td>map (convolutional)</td><td>[C, H, W]</td><td>mean (spatial, -> C), flatten (C*H*W)</td></tr>
 *   <tr><td>tokens (transformer)</td><td>[T, D]</td><td>cls (token 0, -> D), mean (over tokens, -> D),
 *       cls+mean (both, -> 2D), flatten (T*D)</td></tr>
 *   <tr><td>vector</td><td>[D]</td><td>none (as it is)</td></tr>
 * </table>
 *
 * {@code cls} assumes token 0 is a class token (ViT, CLIP, DINO); for models without one (Swin,
 * register tokens first) ask for {@code mean}.
 */
public enum LayerPooling {
  MEAN("mean"), FLATTEN("flatten"), CLS("cls"), CLS_MEAN("cls+mean"), NONE("none");

  /** The kinds of layer output, by rank without the batch axis. */
  public enum Kind {
    MAP(MEAN, List.of(MEAN, FLATTEN)),
    TOKENS(CLS, List.of(CLS, MEAN, CLS_MEAN, FLATTEN)),
    VECTOR(NONE, List.of(NONE));

    public final LayerPooling defaultPooling;
    public final List<LayerPooling> poolings;

    Kind(LayerPooling defaultPooling, List<LayerPooling> poolings) {
      this.defaultPooling = defaultPooling;
      this.poolings = poolings;
    }

    /**
     * The kind of an output of shape [N, ...].
     *
     * @throws IllegalArgumentException for a rank other than 2, 3 or 4
     */
    public static Kind of(String layer, long[] shape) {
      return switch (shape.length) {
        case 4 -> MAP;
        case 3 -> TOKENS;
        case 2 -> VECTOR;
        default -> throw new IllegalArgumentException("layer " + layer + " gives " + Arrays.toString(shape)
            + "; a layer to score must be a map [N, C, H, W], tokens [N, T, D] or a vector [N, D]");
      };
    }

    public String describe() {
      return switch (this) {
        case MAP -> "map [N, C, H, W]";
        case TOKENS -> "tokens [N, T, D]";
        case VECTOR -> "vector [N, D]";
      };
    }
  }

  private final String label;

  LayerPooling(String label) {
    this.label = label;
  }

  /** The name settings carry: mean, flatten, cls, cls+mean, none. */
  public String label() {
    return label;
  }

  /** Parses a pooling name (also cls_mean for cls+mean). */
  public static LayerPooling parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (LayerPooling p : values()) {
      if (p.label.equals(n)) {
        return p;
      }
    }
    if (n.equals("cls_mean")) {
      return CLS_MEAN;
    }
    throw new IllegalArgumentException("unknown pooling '" + name + "'; supported: mean, flatten (maps, tokens), "
        + "cls, cls+mean (tokens), none (vectors)");
  }

  /** The pooled length of one image's output of shape [N, ...]. */
  public int length(long[] shape) {
    long per = 1;
    for (int i = 1; i < shape.length; i++) {
      per *= shape[i];
    }
    long length = switch (this) {
      case MEAN -> shape.length == 4 ? shape[1] : shape[2];
      case CLS -> shape[2];
      case CLS_MEAN -> 2 * shape[2];
      case FLATTEN, NONE -> per;
    };
    return Math.toIntExact(length);
  }
}
