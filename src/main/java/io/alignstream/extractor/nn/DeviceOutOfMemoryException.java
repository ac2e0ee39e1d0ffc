package io.alignstream.extractor.nn;

import java.util.Locale;

/**
 * Work that does not fit the device's memory: the engine's own allocation failure (PyTorch's
 * "CUDA out of memory", "DefaultCPUAllocator: can't allocate memory", cuBLAS allocation
 * failures, surfaced by DJL as an EngineException) or a forward over the configured
 * {@code --device-memory-limit}. Batches that hit it are halved and retried; an input that does
 * not fit alone fails with this exception, which the extractor dead-letters.
 */
public final class DeviceOutOfMemoryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DeviceOutOfMemoryException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether {@code failure} (or one of its causes) says the device, or the heap, ran out of memory. */
  public static boolean isOutOfMemory(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof DeviceOutOfMemoryException || e instanceof OutOfMemoryError) {
        return true;
      }
      String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
      if (message.contains("out of memory") || message.contains("can't allocate memory")
          || message.contains("cublas_status_alloc_failed")) {
        return true;
      }
    }
    return false;
  }
}
