package io.alignstream.scorer.stream;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.ceiling.CeilingSums;
import io.alignstream.scorer.ceiling.TripletSummary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Compact binary serdes for the scorer's own state stores and its internal broadcast topic.
 * These bytes never leave the scorer (changelogs and the repartition topic are internal), so
 * they skip the schema registry: restoring millions of vectors and triplets after a restart
 * should cost a read of the raw numbers, not a registry round trip and Avro decoding each.
 */
final class StateSerdes {

  /** Marks a stored pooled setting (see {@link #settingInfo}). */
  private static final int POOLED_SETTING = -1;

  private StateSerdes() {}

  @FunctionalInterface
  interface Writer<T> {
    void write(DataOutput out, T value) throws IOException;
  }

  @FunctionalInterface
  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  /** float[] as little-endian IEEE floats, no header: the length is bytes / 4. */
  static Serde<float[]> vector() {
    Serializer<float[]> serializer = (topic, vector) -> {
      if (vector == null) {
        return null;
      }
      ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buffer.asFloatBuffer().put(vector);
      return buffer.array();
    };
    Deserializer<float[]> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      float[] vector = new float[bytes.length / Float.BYTES];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
      return vector;
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  static Serde<Triplet> triplet() {
    return of((out, t) -> {
      out.writeByte(t.oddPosition());
      for (String item : t.items()) {
        out.writeUTF(item);
      }
    }, in -> {
      int odd = in.readByte();
      return new Triplet(List.of(in.readUTF(), in.readUTF(), in.readUTF()), odd);
    });
  }

  /**
   * A diffusion setting as it was always written (dim, model, layer, noise, timestep,
   * conditioning); a pooled setting behind the tag {@link #POOLED_SETTING} where a dim (never
   * negative) would be, so changelogs written before pooled settings existed read unchanged.
   */
  static Serde<SettingInfo> settingInfo() {
    return of((out, info) -> {
      Setting s = info.setting();
      if (SettingKey.isPooled(s)) {
        out.writeInt(POOLED_SETTING);
      }
      out.writeInt(info.dim());
      out.writeUTF(s.getModelId());
      out.writeUTF(s.getLayer());
      if (SettingKey.isPooled(s)) {
        out.writeUTF(s.getPooling());
      } else {
        out.writeDouble(s.getNoiseLevel());
        out.writeInt(s.getTimestep());
        out.writeUTF(s.getConditioning().name());
      }
    }, in -> {
      int first = in.readInt();
      if (first == POOLED_SETTING) {
        int dim = in.readInt();
        return new SettingInfo(SettingKey.pooled(in.readUTF(), in.readUTF(), in.readUTF()), dim);
      }
      Setting setting = Setting.newBuilder()
          .setModelId(in.readUTF())
          .setLayer(in.readUTF())
          .setNoiseLevel(in.readDouble())
          .setTimestep(in.readInt())
          .setConditioning(Conditioning.valueOf(in.readUTF()))
          .build();
      return new SettingInfo(setting, first);
    });
  }

  static Serde<PaneCounts> paneCounts() {
    return of((out, p) -> {
      out.writeLong(p.correct());
      out.writeLong(p.total());
    }, in -> new PaneCounts(in.readLong(), in.readLong()));
  }

  /**
   * The summary with its ceiling sums. The last three sums came later: a summary written
   * without them (an older changelog) reads with zeros there, which only leaves its interval
   * unknown until the next triplet rewrites it.
   */
  static Serde<TripletSummary> tripletSummary() {
    return of((out, s) -> {
      CeilingSums c = s.ceiling();
      out.writeLong(s.triplets());
      out.writeInt(s.itemsReferenced());
      out.writeLong(c.repeatedTriplets());
      out.writeLong(c.responses());
      out.writeLong(c.agreementSixths());
      out.writeLong(c.leaveOneOutSixths());
      out.writeLong(c.squaredAgreementSixths());
      out.writeLong(c.agreementSixthsTimesSize());
      out.writeLong(c.squaredSizes());
    }, in -> {
      long triplets = in.readLong();
      int items = in.readInt();
      long[] sums = new long[7];
      for (int i = 0; i < sums.length; i++) {
        sums[i] = i < 4 || in.available() > 0 ? in.readLong() : 0;
      }
      return new TripletSummary(triplets, items,
          new CeilingSums(sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]));
    });
  }

  static <T> Serde<T> of(Writer<T> writer, Reader<T> reader) {
    Serializer<T> serializer = (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        writer.write(out, value);
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new SerializationException("cannot encode scorer state for " + topic, e);
      }
    };
    Deserializer<T> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return reader.read(new DataInputStream(new ByteArrayInputStream(bytes)));
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot decode scorer state from " + topic, e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
