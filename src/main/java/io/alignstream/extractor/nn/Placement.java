package io.alignstream.extractor.nn;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Where weights live and in which dtype every forward computes.
 *
 * <p>float16 is accepted on GPUs only: the pinned PyTorch CPU build runs fp16 convolutions about
 * 1000x slower than fp32, so an fp16 CPU setting would be a silent performance trap. bfloat16 is
 * never accepted (the engine aborts the JVM on bf16 arrays); bf16 checkpoints are widened on load.
 *
 * @param device DJL device (cpu() or gpu(i))
 * @param dtype FLOAT32, or FLOAT16 on a GPU
 */
public record Placement(Device device, DataType dtype) {

  public Placement {
    if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
      throw new IllegalArgumentException(
          "compute dtype " + dtype + " is not supported; use float32, or float16 on a GPU");
    }
    if (dtype == DataType.FLOAT16 && !device.isGpu()) {
      throw new IllegalArgumentException(
          "compute dtype float16 needs a GPU (fp16 convolutions on the CPU engine are ~1000x slower); "
              + "use float32 on " + device);
    }
  }

  /** float32 on the CPU: the default, and what parity is measured in. */
  public static Placement cpu() {
    return new Placement(Device.cpu(), DataType.FLOAT32);
  }

  /**
   * Parses a device ("cpu", "gpu" = the first GPU, "gpu:N") and a compute dtype as the command
   * lines take them, checking first that the engine can see the GPU asked for: on a machine or
   * build without CUDA, {@code --device gpu} fails here with what to do, not deep inside a
   * forward.
   *
   * @throws IllegalArgumentException for an unknown device or dtype, a GPU the engine does not
   *     see, or float16 on the CPU
   */
  public static Placement parse(String device, String dtype) {
    Placement placement = of(device(device, ai.djl.engine.Engine.getInstance().getGpuCount()), dtype);
    if (placement.device().isGpu()) {
      // The extractor runs the same few shapes (one per batch size and latent side) thousands of
      // times: letting cuDNN time its algorithms once per shape pays back after the first batch.
      ai.djl.pytorch.jni.JniUtils.setBenchmarkCuDNN(true);
    }
    return placement;
  }

  /** The DJL device a "cpu", "gpu" or "gpu:N" setting names, given how many GPUs the engine sees. */
  static Device device(String name, int visibleGpus) {
    String d = name.trim().toLowerCase(java.util.Locale.ROOT);
    if (d.equals("cpu")) {
      return Device.cpu();
    }
    int index;
    if (d.equals("gpu") || d.equals("cuda")) {
      index = 0;
    } else if (d.matches("(gpu|cuda):\\d+")) {
      index = Integer.parseInt(d.substring(d.indexOf(':') + 1));
    } else {
      throw new IllegalArgumentException("unknown device '" + name + "'; supported: cpu, gpu, gpu:N");
    }
    if (index >= visibleGpus) {
      throw new IllegalArgumentException(visibleGpus == 0
          ? "no GPU visible to DJL/PyTorch (device '" + name + "' requested): this build carries the CPU-only "
              + "PyTorch natives or no CUDA driver is installed; build with `mvn -Pcuda package` "
              + "(pytorch-native-cu124, CUDA 12.4 driver) or use --device cpu"
          : "device '" + name + "' requested but DJL/PyTorch sees only " + visibleGpus + " GPU(s) (gpu:0..gpu:"
              + (visibleGpus - 1) + ")");
    }
    return Device.gpu(index);
  }

  /** Parses "float32"/"fp32"/"float16"/"fp16" for the given device. */
  public static Placement of(Device device, String dtype) {
    DataType type = switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
      case "float32", "fp32" -> DataType.FLOAT32;
      case "float16", "fp16", "half" -> DataType.FLOAT16;
      default -> throw new IllegalArgumentException(
          "unknown compute dtype '" + dtype + "'; supported: float32, float16 (GPU only)");
    };
    return new Placement(device, type);
  }
}
