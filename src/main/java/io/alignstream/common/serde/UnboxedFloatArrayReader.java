package io.alignstream.common.serde;

import java.io.IOException;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.generic.PrimitivesArrays;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * A {@link SpecificDatumReader} that reads every {@code array<float>} into Avro's
 * {@link PrimitivesArrays.FloatArray} one float at a time, straight from the decoder. Avro's
 * own readers (the fast reader as much as the resolving one) box each element into a
 * {@code Float} on its way into the list; for an embedding of 1280 values that is 1280 objects
 * per record, and the consumer then unboxes them again. Resolution against the writer's schema
 * is unchanged (the resolving decoder still promotes an int or long written where a float is
 * read), so the record read is the same one the plain reader gives.
 *
 * <p>Avro's fast reader has no hook for this, so the reader runs on the resolving path: a data
 * model of its own, with the fast reader off and the generated class's logical-type conversions.
 */
final class UnboxedFloatArrayReader<T> extends SpecificDatumReader<T> {

  UnboxedFloatArrayReader(Schema writer, Schema reader, Class<T> type) {
    super(writer, reader, modelOf(type));
  }

  private static SpecificData modelOf(Class<?> type) {
    SpecificData model = new SpecificData(type.getClassLoader());
    model.setFastReaderEnabled(false);
    for (Conversion<?> conversion : SpecificData.getForClass(type).getConversions()) {
      model.addLogicalTypeConversion(conversion);
    }
    return model;
  }

  @Override
  protected Object readArray(Object old, Schema expected, ResolvingDecoder in) throws IOException {
    Schema element = expected.getElementType();
    if (element.getType() != Schema.Type.FLOAT || element.getLogicalType() != null) {
      return super.readArray(old, expected, in);
    }
    long count = in.readArrayStart();
    PrimitivesArrays.FloatArray values = new PrimitivesArrays.FloatArray((int) Math.min(count, Integer.MAX_VALUE), expected);
    for (; count > 0; count = in.arrayNext()) {
      for (long i = 0; i < count; i++) {
        values.add(values.size(), in.readFloat());
      }
    }
    return values;
  }
}
