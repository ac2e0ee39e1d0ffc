package io.alignstream.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.common.registry.SchemaRegistries;
import io.alignstream.common.registry.SchemaRegistryClient;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import io.alignstream.schema.TripletJudgment;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  private static final String URL = "mock://avro-serde-test";
  private final Map<String, Object> config = Map.of("schema.registry.url", URL);

  @AfterEach
  void dropRegistry() {
    SchemaRegistries.dropMock(URL);
  }

  @Test
  void writesTheConfluentWireFormatByteForByte() {
    TripletJudgment triplet = TripletJudgment.newBuilder()
        .setTripletId("t1").setDataset("d").setItems(List.of("a", "b", "c")).setOddOneOut(2).setSubject(null)
        .build();

    byte[] bytes = AvroSerde.configured(TripletJudgment.class, config, false).serialize("triplets", triplet);

    int id = SchemaRegistries.forUrl(URL, config).latest("triplets-value").id();
    byte[] expected = {
        0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id, // magic byte, schema id
        4, 't', '1',                 // triplet_id: zig-zag length 2, bytes
        2, 'd',                      // dataset
        6, 2, 'a', 2, 'b', 2, 'c', 0, // items: block of 3, three strings, end of blocks
        4,                           // odd_one_out = 2, zig-zag
        0                            // subject: union branch 0 (null)
    };
    assertThat(bytes).containsExactly(expected);
  }

  @Test
  void roundTripsLogicalTypesUnionsAndFloatArrays() {
    LayerEmbedding embedding = LayerEmbedding.newBuilder()
        .setSetting(Setting.newBuilder().setModelId("tiny").setLayer("Down1").setNoiseLevel(0.2).setTimestep(191)
            .setConditioning(Conditioning.TEXT).build())
        .setItemId("aardvark").setImageId("aardvark_01b.jpg").setRequestId("r1")
        .setVector(List.of(1.5f, -2.25f, 0f)).setDim(3).setPooling("mean").setPrompt("a photo of a aardvark")
        .setSeed(7).setConfigDigest("c").setWeightsDigest("w").setSource("test")
        .setComputedAt(Instant.ofEpochMilli(1_700_000_000_123L))
        .build();
    AvroSerde<LayerEmbedding> serde = AvroSerde.configured(LayerEmbedding.class, config, false);

    LayerEmbedding back = serde.deserialize("embeddings", serde.serialize("embeddings", embedding));

    assertThat(back).isEqualTo(embedding);
    assertThat(back.getComputedAt()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
  }

  @Test
  void aLargeRecordThenASmallOneAreTheBytesAvroItselfWrites() throws Exception {
    // the serializer sizes its buffer by the record before and writes through Avro's buffered
    // encoder: a 5 KB embedding (over the encoder's 2 KB buffer) and a 3-value one after it must
    // still be exactly the header and what Avro's own writer gives
    AvroSerde<LayerEmbedding> serde = AvroSerde.configured(LayerEmbedding.class, config, false);
    for (int dim : new int[] {1280, 3}) {
      Float[] values = new Float[dim];
      for (int i = 0; i < dim; i++) {
        values[i] = (float) Math.sin(i) * 1e3f;
      }
      LayerEmbedding embedding = LayerEmbedding.newBuilder()
          .setSetting(Setting.newBuilder().setModelId("m").setLayer("L").setNoiseLevel(0.5).setTimestep(10)
              .setConditioning(Conditioning.NONE).build())
          .setItemId("item").setImageId("item.jpg").setVector(Arrays.asList(values)).setDim(dim).setPooling("none")
          .setConfigDigest("c").setWeightsDigest("w").setSource("test").setComputedAt(Instant.ofEpochMilli(5))
          .build();

      byte[] bytes = serde.serialize("embeddings", embedding);

      ByteArrayOutputStream avro = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(avro, null);
      new org.apache.avro.specific.SpecificDatumWriter<>(LayerEmbedding.class).write(embedding, encoder);
      int id = SchemaRegistries.forUrl(URL, config).latest("embeddings-value").id();
      byte[] header = {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
      assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(header);
      assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).as("d = %d", dim).containsExactly(avro.toByteArray());
    }
  }

  @Test
  void readsDataWrittenWithAnOlderSchemaIntoTheCurrentClass() throws Exception {
    // Version 1 of TripletJudgment had no subject field; the current class adds it with a default.
    Schema v1 = new Schema.Parser().parse("""
        {"type":"record","name":"TripletJudgment","namespace":"io.alignstream.schema","fields":[
          {"name":"triplet_id","type":"string"},{"name":"dataset","type":"string"},
          {"name":"items","type":{"type":"array","items":"string"}},{"name":"odd_one_out","type":"int"}]}""");
    SchemaRegistryClient registry = SchemaRegistries.forUrl(URL, config);
    int id = registry.register("triplets-value", v1);
    GenericRecord old = new GenericData.Record(v1);
    old.put("triplet_id", "t9");
    old.put("dataset", "things");
    old.put("items", List.of("x", "y", "z"));
    old.put("odd_one_out", 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(v1).write(old, encoder);
    encoder.flush();

    TripletJudgment read = AvroSerde.configured(TripletJudgment.class, config, false)
        .deserialize("triplets", out.toByteArray());

    assertThat(read.getTripletId()).isEqualTo("t9");
    assertThat(read.getItems()).containsExactly("x", "y", "z");
    assertThat(read.getOddOneOut()).isEqualTo(1);
    assertThat(read.getSubject()).isNull();
  }

  @Test
  void rejectsBytesThatAreNotTheWireFormat() {
    AvroSerde<TripletJudgment> serde = AvroSerde.configured(TripletJudgment.class, config, false);

    assertThatThrownBy(() -> serde.deserialize("triplets", new byte[] {1, 0, 0, 0, 1, 2}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("magic byte 0x01");
    assertThatThrownBy(() -> serde.deserialize("triplets", new byte[] {0, 0}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("too short");
    assertThatThrownBy(() -> serde.deserialize("triplets", new byte[] {0, 0, 0, 0, 42, 2}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("schema id 42");
  }

  @Test
  void withoutAutoRegistrationAnUnknownSchemaIsAnError() {
    AvroSerde<TripletJudgment> serde = AvroSerde.configured(TripletJudgment.class,
        Map.of("schema.registry.url", URL, "auto.register.schemas", "false"), false);
    TripletJudgment triplet = TripletJudgment.newBuilder()
        .setTripletId("t").setDataset("d").setItems(Arrays.asList("a", "b", "c")).setOddOneOut(0).build();

    assertThatThrownBy(() -> serde.serialize("triplets", triplet))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("40401");
  }

  @Test
  void nullsPassThroughAsTombstones() {
    AvroSerde<TripletJudgment> serde = AvroSerde.configured(TripletJudgment.class, config, false);
    assertThat(serde.serialize("triplets", null)).isNull();
    assertThat(serde.deserialize("triplets", null)).isNull();
  }
}
