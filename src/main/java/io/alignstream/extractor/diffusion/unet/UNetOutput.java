package io.alignstream.extractor.diffusion.unet;

import java.util.List;
import java.util.Map;

/**
 * What one {@link UNet#forward} recorded.
 *
 * @param taps the requested module outputs by path, in request order
 * @param computedModules every module path the forward ran, in execution order; it ends at the
 *     deepest requested tap because the forward stops there
 */
public record UNetOutput(Map<String, TapValue> taps, List<String> computedModules) {

  public UNetOutput {
    taps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(taps));
    computedModules = List.copyOf(computedModules);
  }

  /** The output of a tap. */
  public TapValue get(Tap tap) {
    return get(tap.path());
  }

  /** The output at a module path; fails if it was not requested. */
  public TapValue get(String path) {
    TapValue v = taps.get(path);
    if (v == null) {
      throw new IllegalArgumentException("'" + path + "' was not tapped; tapped: " + taps.keySet());
    }
    return v;
  }
}
