package io.alignstream.extractor.diffusion;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.common.Digests;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.nn.Placement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Seeded random weights of a whole architecture, drawn straight into engine memory: what the
 * benchmark needs to time the real SD 2.1 network (866 M UNet parameters) without a
 * multi-gigabyte checkpoint. Initialisation is the same as {@link TinyPipeline}'s (see
 * {@link ParameterLayout.Param#initStd()}: fan-in scaled gaussian weights, small biases, unit
 * norms) so activations stay at unit scale through every layer; the values come from the
 * engine's generator seeded once per store, so the same seed gives the same weights with the
 * same engine build.
 */
public final class RandomWeights {

  private RandomWeights() {}

  /**
   * Draws every parameter of {@code layout} whose name {@code keep} accepts.
   *
   * @param source how errors and reports name the component, e.g. "random sd21 unet"
   */
  public static WeightStore draw(
      ParameterLayout layout, Predicate<String> keep, Placement placement, long seed, String source) {
    // The engine's generator is global: seed it right before drawing so each store is reproducible.
    Engine.getInstance().setRandomSeed((int) seed);
    NDManager manager = NDManager.newBaseManager(placement.device());
    try {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (ParameterLayout.Param p : layout.params()) {
        if (keep.test(p.name())) {
          tensors.put(p.name(), values(manager, p).toType(placement.dtype(), false));
        }
      }
      String digest = Digests.sha256Hex("random weights: " + source + ", seed " + seed + ", engine "
          + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
      return WeightStore.ofArrays(source, placement, manager, tensors, digest);
    } catch (RuntimeException | Error e) {
      manager.close();
      throw e;
    }
  }

  private static NDArray values(NDManager m, ParameterLayout.Param p) {
    Shape shape = new Shape(p.shape());
    switch (p.kind()) {
      case NORM_WEIGHT:
        return m.ones(shape, DataType.FLOAT32);
      case NORM_BIAS:
        return m.zeros(shape, DataType.FLOAT32);
      default:
        return m.randomNormal(0f, (float) p.initStd(), shape, DataType.FLOAT32);
    }
  }
}
