package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.nn.Ops;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The UNet's text context per prompt (CLIP last hidden states, [tokens, width] as float32),
 * encoded once per prompt: prompts not in the bounded cache are tokenized and encoded together
 * in one batch, the rest come from the cache. The empty prompt (conditioning NONE) is asked for
 * by nearly every image and so stays cached.
 */
final class PromptStates {

  /** Prompts encoded per text-encoder call; bounds the activations of one call. */
  private static final int ENCODE_BATCH = 32;

  private final ClipTokenizer tokenizer;
  private final ClipTextEncoder encoder;
  private final NDManager base;
  private final LruCache<String, float[]> cache;
  private long encoded;
  private long calls;

  PromptStates(ClipTokenizer tokenizer, ClipTextEncoder encoder, NDManager base, int cacheSize) {
    this.tokenizer = tokenizer;
    this.encoder = encoder;
    this.base = base;
    this.cache = new LruCache<>(cacheSize);
  }

  /** Shape of one prompt's states: [max length (77), hidden width]. */
  long[] shape() {
    return new long[] {tokenizer.maxLength(), encoder.config().hiddenSize()};
  }

  /** The states of each distinct prompt, encoding those not cached. */
  Map<String, float[]> statesFor(Collection<String> prompts) {
    Map<String, float[]> out = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String p : new LinkedHashSet<>(prompts)) {
      float[] cached = cache.get(p);
      if (cached != null) {
        out.put(p, cached);
      } else {
        missing.add(p);
      }
    }
    for (int from = 0; from < missing.size(); from += ENCODE_BATCH) {
      List<String> chunk = missing.subList(from, Math.min(missing.size(), from + ENCODE_BATCH));
      float[][] states = encode(chunk);
      for (int i = 0; i < chunk.size(); i++) {
        cache.put(chunk.get(i), states[i]);
        out.put(chunk.get(i), states[i]);
      }
    }
    return out;
  }

  private float[][] encode(List<String> prompts) {
    long[][] ids = new long[prompts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.encode(prompts.get(i));
    }
    try (NDManager scope = base.newSubManager()) {
      NDArray states = encoder.encode(ClipTextEncoder.ids(scope, ids)); // [P, 77, D]
      float[][] rows = Ops.rows(states); // P x [77 * D]
      encoded += prompts.size();
      calls++;
      return rows;
    }
  }

  /** Prompts run through the text encoder so far. */
  long promptsEncoded() {
    return encoded;
  }

  /** Text-encoder calls so far. */
  long encoderCalls() {
    return calls;
  }

  int cached() {
    return cache.size();
  }
}
