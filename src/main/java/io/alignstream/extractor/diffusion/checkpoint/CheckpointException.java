package io.alignstream.extractor.diffusion.checkpoint;

import java.util.Arrays;
import java.util.Collection;

/**
 * A checkpoint that cannot be used as it is: a missing or mis-shaped tensor, an unreadable file,
 * or a configuration value this port does not implement. The message always names the tensor or
 * config key, the folder it came from, and what was expected, so a user can fix the checkpoint
 * without reading code. It is bad input to the command that opened it (exit code 2).
 */
public final class CheckpointException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A tensor the model needs is not in the component's safetensors files. */
  public static CheckpointException missingTensor(String name, Object component) {
    return new CheckpointException("missing tensor '" + name + "' in " + component);
  }

  /** A tensor exists but has another shape than the configuration implies. */
  public static CheckpointException wrongShape(
      String name, long[] expected, long[] found, Object component) {
    return new CheckpointException(
        "tensor '" + name + "' in " + component + " has shape " + Arrays.toString(found)
            + ", expected " + describe(expected));
  }

  /** A configuration value outside what this port implements. */
  public static CheckpointException unsupported(
      Object configFile, String key, Object value, Collection<?> supported) {
    return new CheckpointException(
        configFile + ": unsupported value " + value + " for '" + key + "'; supported: " + supported);
  }

  /** A configuration value outside what this port implements, with a free-form explanation. */
  public static CheckpointException unsupported(
      Object configFile, String key, Object value, String supported) {
    return new CheckpointException(
        configFile + ": unsupported value " + value + " for '" + key + "'; supported: " + supported);
  }

  private static String describe(long[] expected) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < expected.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(expected[i] < 0 ? "*" : Long.toString(expected[i]));
    }
    return sb.append(']').toString();
  }
}
