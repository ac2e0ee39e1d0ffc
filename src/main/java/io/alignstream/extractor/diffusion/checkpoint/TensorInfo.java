package io.alignstream.extractor.diffusion.checkpoint;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header.
 *
 * @param name checkpoint name, e.g. {@code down_blocks.1.attentions.0.proj_in.weight}
 * @param dtype element type as stored
 * @param shape dimensions (a copy is returned by {@link #dims()})
 * @param begin start of its bytes, relative to the end of the header
 * @param end end (exclusive) of its bytes, relative to the end of the header
 */
public record TensorInfo(String name, SafeDtype dtype, long[] shape, long begin, long end) {

  public TensorInfo {
    shape = shape.clone();
  }

  /** Number of elements. */
  public long size() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** The dimensions, copied. */
  public long[] dims() {
    return shape.clone();
  }

  /** Byte length of the data. */
  public long byteLength() {
    return end - begin;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + " " + dtype + " " + Arrays.toString(shape);
  }
}
