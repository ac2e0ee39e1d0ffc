package io.alignstream.extractor.diffusion;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count for tests that run many small forwards: on the shared 2-core
 * test machine, two OpenMP threads spin-waiting against other busy processes made the tiny UNet
 * more than 10x slower than one thread. Tests set 1 and restore the previous count afterwards.
 */
public final class EngineThreads {

  private EngineThreads() {}

  /** Sets the count and returns the previous one. */
  public static int set(int threads) {
    Engine.getInstance();
    int previous = JniUtils.getNumThreads();
    JniUtils.setNumThreads(threads);
    return previous;
  }
}
