package io.alignstream.extractor.diffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.alignstream.extractor.nn.Pooling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Records the requested module outputs of one forward pass. Every module reports its output
 * here; once the last requested one is in, {@link #record} throws {@link AllRecorded} so that
 * the forward ends right there, whatever depth of the network it is at: nothing below the
 * deepest requested tap is computed. (An exception keeps the architecture code free of
 * "should I stop?" checks after every module.)
 */
public final class TapRecorder {

  /** Thrown by {@link #record} when every requested tap is recorded; carries no stack trace. */
  public static final class AllRecorded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private AllRecorded() {
      super("all requested taps recorded", null, false, false);
    }
  }

  private final Set<String> requested;
  private final UnaryOperator<NDArray> pooling;
  private final Map<String, NDArray> recorded = new LinkedHashMap<>();
  private final List<String> computed = new ArrayList<>();

  TapRecorder(List<String> requested, Pooling pooling) {
    this(requested, pooling::apply);
  }

  /**
   * @param pooling how a recorded output is reduced before it is kept (e.g. {@link Pooling#applyTokens} for
   *     a transformer's token streams)
   */
  public TapRecorder(List<String> requested, UnaryOperator<NDArray> pooling) {
    this.requested = new LinkedHashSet<>(requested);
    this.pooling = pooling;
  }

  /** Notes that {@code path} ran and produced {@code x}; returns {@code x} unchanged. */
  public NDArray record(String path, NDArray x) {
    computed.add(path);
    if (requested.contains(path)) {
      recorded.put(path, pooling.apply(x));
      if (recorded.size() == requested.size()) {
        throw new AllRecorded();
      }
    }
    return x;
  }

  /** Copies the recorded tensors off the engine, in request order; call before their scope closes. */
  public UNetOutput result() {
    Map<String, TapValue> values = new LinkedHashMap<>();
    for (String path : requested) {
      NDArray a = recorded.get(path);
      if (a == null) {
        throw new IllegalStateException("tap '" + path + "' was requested but the forward never produced it");
      }
      NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
      values.put(path, new TapValue(path, a.getShape().getShape(), f.toFloatArray()));
    }
    return new UNetOutput(values, computed);
  }
}
