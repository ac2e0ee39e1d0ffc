package io.alignstream.common;

import picocli.CommandLine.Option;

/**
 * The {@link InputLimits} as command-line options (also {@code ALIGNSTREAM_MAX_IMAGE_PIXELS}, ...
 * and {@code max.image.pixels=} in {@code --config}). Every service command takes them; each
 * applies the ones that concern its input.
 */
public final class InputLimitOptions {

  @Option(names = "--max-image-pixels", paramLabel = "N", defaultValue = "" + InputLimits.DEFAULT_MAX_IMAGE_PIXELS,
      description = "Most pixels (width x height, read from the header before decoding) an image may have; the "
          + "producer and extractors refuse larger ones (default: ${DEFAULT-VALUE}).")
  long maxImagePixels;

  @Option(names = "--max-request-bytes", paramLabel = "BYTES", defaultValue = "" + InputLimits.DEFAULT_MAX_REQUEST_BYTES,
      description = "Largest request record (image inline) the producer publishes and extractors read "
          + "(default: ${DEFAULT-VALUE}, the requests topic's max.message.bytes).")
  int maxRequestBytes;

  @Option(names = "--max-vector-dim", paramLabel = "N", defaultValue = "" + InputLimits.DEFAULT_MAX_VECTOR_DIM,
      description = "Most values in one embedding vector an extractor publishes, the scorer accepts or "
          + "produce embeddings reads (default: ${DEFAULT-VALUE}).")
  int maxVectorDim;

  @Option(names = "--max-triplet-file-bytes", paramLabel = "BYTES",
      defaultValue = "" + InputLimits.DEFAULT_MAX_TRIPLET_FILE_BYTES,
      description = "Largest triplet file read (default: ${DEFAULT-VALUE}).")
  long maxTripletFileBytes;

  public InputLimits limits() {
    return new InputLimits(maxImagePixels, maxRequestBytes, maxVectorDim, maxTripletFileBytes);
  }
}
