package io.alignstream.extractor.vision;

import java.util.Locale;

/** Shape text and device names as the vision model's messages and options use them. */
final class VisionShapes {

  private VisionShapes() {}

  /** [4, 3, 64, 64]; -1 (unknown) shows as ?. */
  static String format(long[] shape) {
    StringBuilder text = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      text.append(i == 0 ? "" : ", ").append(shape[i] < 0 ? "?" : String.valueOf(shape[i]));
    }
    return text.append(']').toString();
  }

  /** -1 for "cpu", the GPU index for "gpu" (0) or "gpu:N". */
  static int gpuIndex(String device) {
    String d = device.trim().toLowerCase(Locale.ROOT);
    if (d.equals("cpu")) {
      return -1;
    }
    if (d.equals("gpu")) {
      return 0;
    }
    if (d.matches("gpu:[0-9]+")) {
      return Integer.parseInt(d.substring(4));
    }
    throw new IllegalArgumentException("--device must be cpu, gpu or gpu:N, got '" + device + "'");
  }
}
