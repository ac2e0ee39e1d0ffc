package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import java.util.List;

/**
 * SD3's three text encoders as its pipeline's {@code encode_prompt} combines them (docs/method.md):
 * the CLIP-L and CLIP-G penultimate states side by side, zero-padded to T5's width, followed by
 * T5's states (or, without T5, by zeros of the CLIP length); the two projected pooled outputs side
 * by side.
 *
 * @param clipL {@code tokenizer} + {@code text_encoder}
 * @param clipG {@code tokenizer_2} + {@code text_encoder_2}
 * @param t5 {@code tokenizer_3} + {@code text_encoder_3}, or null when the checkpoint has none or it was dropped
 * @param width the transformer's joint_attention_dim (T5's d_model, 4096)
 */
public record Sd3TextEncoders(Clip clipL, Clip clipG, T5 t5, int width) implements AutoCloseable {

  /** One CLIP tokenizer with its encoder. */
  public record Clip(ClipTokenizer tokenizer, ClipTextEncoder encoder) {}

  /** The T5 tokenizer with its encoder. */
  public record T5(T5Tokenizer tokenizer, T5Encoder encoder) {}

  /**
   * The transformer's inputs for some prompts.
   *
   * @param context [P, 77 + 256 (or 77 without T5), width]
   * @param pooled [P, CLIP-L projection + CLIP-G projection]
   */
  public record Embedding(NDArray context, NDArray pooled) {}

  /** Tokens of the context: 77 CLIP positions, then T5's (or 77 zeros). */
  public long contextTokens() {
    return clipL.tokenizer().maxLength() + (t5 == null ? clipL.tokenizer().maxLength() : t5.tokenizer().maxLength());
  }

  /** Encodes prompts; the arrays are created in {@code manager}. */
  public Embedding encode(List<String> prompts, NDManager manager) {
    ClipTextEncoder.Encoded l = clipL.encoder().encodeForSd3(ids(manager, clipL.tokenizer(), prompts)); // [P, 77, 768]
    ClipTextEncoder.Encoded g = clipG.encoder().encodeForSd3(ids(manager, clipG.tokenizer(), prompts)); // [P, 77, 1280]
    NDArray clip = NDArrays.concat(new NDList(l.penultimate(), g.penultimate()), 2); // [P, 77, 2048]
    long p = prompts.size();
    long clipTokens = clip.getShape().get(1);
    long clipWidth = clip.getShape().get(2);
    if (clipWidth > width) {
      throw new IllegalArgumentException("the CLIP states are " + clipWidth + " wide, more than the context width "
          + width);
    }
    if (clipWidth < width) {
      // torch.nn.functional.pad(clip, (0, width - clipWidth)): zeros on the right of the channels
      clip = NDArrays.concat(new NDList(clip, manager.zeros(new Shape(p, clipTokens, width - clipWidth),
          clip.getDataType(), clip.getDevice())), 2); // [P, 77, width]
    }
    NDArray t5States;
    if (t5 == null) {
      t5States = manager.zeros(new Shape(p, clipL.tokenizer().maxLength(), width), clip.getDataType(),
          clip.getDevice()); // diffusers' stand-in: [P, 77, width] zeros
    } else {
      long[][] ids = new long[prompts.size()][];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = t5.tokenizer().encode(prompts.get(i));
      }
      t5States = t5.encoder().encode(ClipTextEncoder.ids(manager, ids)).toType(clip.getDataType(), false); // [P, 256, width]
    }
    NDArray context = NDArrays.concat(new NDList(clip, t5States), 1); // [P, 77 + 256, width]
    NDArray pooled = NDArrays.concat(new NDList(l.pooled(), g.pooled()), 1); // [P, 2048]
    return new Embedding(context, pooled);
  }

  private static NDArray ids(NDManager manager, ClipTokenizer tokenizer, List<String> prompts) {
    long[][] ids = new long[prompts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.encode(prompts.get(i));
    }
    return ClipTextEncoder.ids(manager, ids);
  }

  @Override
  public void close() {
    clipL.encoder().close();
    clipG.encoder().close();
    if (t5 != null) {
      t5.encoder().close();
    }
  }
}
