package io.alignstream.common;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * What one input may cost a service, so that no single record or file can exhaust it. Each
 * limit is configurable ({@link InputLimitOptions}); each refusal is a dead letter (or, on the
 * command line, an error) that names the limit and its option.
 *
 * <p>Images are checked the same way by the producer (before publishing) and by every
 * extractor (before decoding). The pixel limit is checked from the image header: a 109 KB PNG
 * can declare 30000 x 30000 one-bit pixels, which decode to 112 MB and then to 10.8 GB of float
 * planes. The reader's {@code getWidth}/{@code getHeight} read the header only, so such an image
 * is refused before any pixel is allocated.
 *
 * @param maxImagePixels most pixels (width x height) an image may declare
 * @param maxRequestBytes most bytes of one serialized request record (its image inline)
 * @param maxVectorDim most values in one embedding vector (extractor output, scorer input,
 *     precomputed feature files)
 * @param maxTripletFileBytes largest triplet file the producer (and the demo) reads
 */
public record InputLimits(long maxImagePixels, int maxRequestBytes, int maxVectorDim, long maxTripletFileBytes) {

  /** 25 Mpx: a 24-megapixel photograph fits; decoded it is at most 100 MB of ARGB. */
  public static final long DEFAULT_MAX_IMAGE_PIXELS = 25_000_000L;
  /** The requests topic's record limit (its max.message.bytes). */
  public static final int DEFAULT_MAX_REQUEST_BYTES = PipelineTopics.MAX_REQUEST_BYTES;
  /** Fits a record under Kafka's default 1 MB max.message.bytes of the embeddings topic (4 bytes a value). */
  public static final int DEFAULT_MAX_VECTOR_DIM = 250_000;
  /** 1 GiB: the THINGS training set of 4.7 million responses is about 100 MB. */
  public static final long DEFAULT_MAX_TRIPLET_FILE_BYTES = 1L << 30;
  /** Room for a request's other fields and Kafka's batch headers beside the image. */
  public static final int REQUEST_OVERHEAD_BYTES = 64 * 1024;

  public InputLimits {
    if (maxImagePixels < 1) {
      throw new IllegalArgumentException("--max-image-pixels must be >= 1, got " + maxImagePixels);
    }
    if (maxRequestBytes <= REQUEST_OVERHEAD_BYTES || maxRequestBytes > PipelineTopics.MAX_REQUEST_BYTES) {
      throw new IllegalArgumentException("--max-request-bytes must be in " + (REQUEST_OVERHEAD_BYTES + 1) + ".."
          + PipelineTopics.MAX_REQUEST_BYTES + " (the requests topic's max.message.bytes), got " + maxRequestBytes);
    }
    if (maxVectorDim < 1) {
      throw new IllegalArgumentException("--max-vector-dim must be >= 1, got " + maxVectorDim);
    }
    if (maxTripletFileBytes < 1) {
      throw new IllegalArgumentException("--max-triplet-file-bytes must be >= 1, got " + maxTripletFileBytes);
    }
  }

  public static InputLimits defaults() {
    return new InputLimits(DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_VECTOR_DIM,
        DEFAULT_MAX_TRIPLET_FILE_BYTES);
  }

  public InputLimits withMaxImagePixels(long pixels) {
    return new InputLimits(pixels, maxRequestBytes, maxVectorDim, maxTripletFileBytes);
  }

  public InputLimits withMaxTripletFileBytes(long bytes) {
    return new InputLimits(maxImagePixels, maxRequestBytes, maxVectorDim, bytes);
  }

  /** Why a vector of {@code dim} values is refused, or null when it fits. */
  public String vectorDimProblem(int dim) {
    return dim > maxVectorDim
        ? dim + " values, over the limit of " + maxVectorDim + " (--max-vector-dim)"
        : null;
  }

  /** Why a triplet file of {@code bytes} is refused, or null when it fits. */
  public String tripletFileProblem(long bytes) {
    return bytes > maxTripletFileBytes
        ? bytes + " bytes, over the limit of " + maxTripletFileBytes + " bytes (--max-triplet-file-bytes)"
        : null;
  }

  /** Most bytes of the encoded image inside one request. */
  public int maxImageBytes() {
    return maxRequestBytes - REQUEST_OVERHEAD_BYTES;
  }

  /** A serialized request longer than the limit; null when it fits. */
  public String requestSizeProblem(int bytes) {
    return bytes > maxRequestBytes
        ? "request record of " + bytes + " bytes is over the limit of " + maxRequestBytes + " bytes (--max-request-bytes)"
        : null;
  }

  /**
   * The image's format and size from its header, refused (with the reason) when it is too
   * large, in no format this JVM reads, or declares more pixels than allowed. Reads no pixels.
   *
   * @param name names the image in the reason, e.g. its id
   * @throws RejectedImageException with the reason
   */
  public ImageHeader checkImage(byte[] image, String name) {
    return withReader(image, name, (reader, header) -> header);
  }

  /**
   * Decodes the image after {@link #checkImage}'s checks. A reader warning (a truncated JPEG
   * decodes with grey rows and only a warning) refuses the image too: its features would
   * silently describe a damaged picture.
   *
   * @throws RejectedImageException with the reason
   */
  public BufferedImage decode(byte[] image, String name) {
    return withReader(image, name, (reader, header) -> {
      List<String> warnings = new ArrayList<>();
      IIOReadWarningListener listener = (source, warning) -> warnings.add(warning);
      reader.addIIOReadWarningListener(listener);
      BufferedImage decoded;
      try {
        decoded = reader.read(0);
      } catch (IOException | RuntimeException e) {
        throw new RejectedImageException(name + " (" + header + ", " + image.length + " bytes) cannot be decoded: "
            + ErrorText.describe(e) + " (a truncated or damaged file?)");
      }
      if (!warnings.isEmpty()) {
        throw new RejectedImageException(name + " (" + header + ", " + image.length + " bytes) is damaged: "
            + String.join("; ", warnings));
      }
      return decoded;
    });
  }

  /** An image's format and declared size. */
  public record ImageHeader(String format, int width, int height) {
    public long pixels() {
      return (long) width * height;
    }

    @Override
    public String toString() {
      return format + " " + width + " x " + height;
    }
  }

  /** An image this service will not decode, with the reason. */
  public static final class RejectedImageException extends IllegalArgumentException {
    public RejectedImageException(String message) {
      super(message);
    }
  }

  private interface ReaderStep<T> {
    T apply(ImageReader reader, ImageHeader header) throws IOException;
  }

  private <T> T withReader(byte[] image, String name, ReaderStep<T> step) {
    if (image.length > maxImageBytes()) {
      throw new RejectedImageException(name + ": image of " + image.length + " bytes is over the limit of "
          + maxImageBytes() + " bytes (--max-request-bytes " + maxRequestBytes + " less "
          + REQUEST_OVERHEAD_BYTES + " for the rest of the request)");
    }
    // A memory cache: ImageIO's default stream cache writes temporary files.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(image))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new RejectedImageException(name + " (" + image.length + " bytes starting "
            + HexFormat.of().formatHex(image, 0, Math.min(8, image.length))
            + ") is in no image format this JVM reads (PNG, JPEG, GIF, BMP, WBMP)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true); // seek forward only, ignore metadata (text chunks are not inflated)
        ImageHeader header;
        try {
          header = new ImageHeader(reader.getFormatName().toUpperCase(java.util.Locale.ROOT), reader.getWidth(0),
              reader.getHeight(0));
        } catch (IOException | RuntimeException e) {
          throw new RejectedImageException(name + " (" + image.length + " bytes) has no readable "
              + reader.getFormatName().toUpperCase(java.util.Locale.ROOT) + " header: " + ErrorText.describe(e));
        }
        if (header.width() < 1 || header.height() < 1) {
          throw new RejectedImageException(name + " (" + header + ") has no pixels");
        }
        if (header.pixels() > maxImagePixels) {
          throw new RejectedImageException(name + " (" + header + ", " + image.length + " bytes) has "
              + header.pixels() + " pixels, over the limit of " + maxImagePixels + " pixels (--max-image-pixels)");
        }
        return step.apply(reader, header);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new RejectedImageException(name + " (" + image.length + " bytes) cannot be read: " + ErrorText.describe(e));
    }
  }

}
