package io.alignstream.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.ModelCard;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/**
 * The schemas of the subjects that embed a {@code Setting} (and the others this change touched)
 * register over their first versions under the registry's own compatibility rules, and records
 * written with the first versions read with today's classes. The first versions are kept in
 * src/test/resources/schema-history/v1 exactly as they were.
 */
class SettingSchemaEvolutionTest {

  /** Subject value schemas, first version -> current class. */
  private static final Map<String, Schema> CURRENT = Map.of(
      "LayerEmbedding", LayerEmbedding.getClassSchema(),
      "AlignmentMetric", AlignmentMetric.getClassSchema(),
      "ProbeResult", ProbeResult.getClassSchema(),
      "RegressionResult", RegressionResult.getClassSchema(),
      "ModelCard", ModelCard.getClassSchema());

  @Test
  void currentSchemasRegisterOverTheFirstOnesUnderBackwardAndBackwardTransitive() {
    for (CompatibilityLevel level : List.of(CompatibilityLevel.BACKWARD, CompatibilityLevel.BACKWARD_TRANSITIVE)) {
      Map<String, Schema> first = firstVersions();
      InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
      registry.setCompatibility(null, level);
      for (Map.Entry<String, Schema> e : CURRENT.entrySet()) {
        String subject = "alignstream." + e.getKey() + "-value";
        registry.register(subject, first.get(e.getKey()));
        assertThat(registry.incompatibility(subject, null, e.getValue())).as("%s under %s", subject, level).isNull();
        registry.register(subject, e.getValue());
        assertThat(registry.versions(subject)).containsExactly(1, 2);
      }
    }
  }

  @Test
  void oldReadersCannotReadPooledSettingsSoTheChangeIsNotForwardCompatible() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.setCompatibility(null, CompatibilityLevel.FORWARD);
    registry.register("e-value", firstVersions().get("LayerEmbedding"));
    assertThat(registry.incompatibility("e-value", null, LayerEmbedding.getClassSchema())).isNotNull();
  }

  @Test
  void anEmbeddingWrittenWithTheFirstSchemaReadsWithTodaysClass() throws IOException {
    Schema old = firstVersions().get("LayerEmbedding");
    GenericRecord setting = new GenericData.Record(old.getField("setting").schema());
    setting.put("model_id", "tiny");
    setting.put("layer", "Down1");
    setting.put("noise_level", 0.2);
    setting.put("timestep", 191);
    setting.put("conditioning", new GenericData.EnumSymbol(setting.getSchema().getField("conditioning").schema(),
        "TEXT"));
    GenericRecord embedding = new GenericRecordBuilder(old) // the builder fills the fields with defaults
        .set("setting", setting).set("item_id", "cat").set("image_id", "cat.png").set("vector", List.of(1f, 2f))
        .set("dim", 2).set("pooling", "mean").set("config_digest", "c").set("weights_digest", "w")
        .set("source", "extractor:a").set("computed_at", 5L).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
    new GenericDatumWriter<GenericRecord>(old).write(embedding, encoder);
    encoder.flush();

    LayerEmbedding read = new SpecificDatumReader<LayerEmbedding>(old, LayerEmbedding.getClassSchema())
        .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    assertThat(read.getSetting().getNoiseLevel()).isEqualTo(0.2);
    assertThat(read.getSetting().getTimestep()).isEqualTo(191);
    assertThat(read.getSetting().getConditioning()).isEqualTo(Conditioning.TEXT);
    assertThat(read.getSetting().getPooling()).isNull();
    assertThat(read.getVector()).containsExactly(1f, 2f);
  }

  /** The first version of each record, parsed with the first Setting (and the enums it defined). */
  private static Map<String, Schema> firstVersions() {
    Schema.Parser parser = new Schema.Parser();
    parse(parser, "Setting");
    parse(parser, "ExtractionRequest"); // defines LatentMode, which LayerEmbedding names
    return Map.of("LayerEmbedding", parse(parser, "LayerEmbedding"), "AlignmentMetric",
        parse(parser, "AlignmentMetric"), "ProbeResult", parse(parser, "ProbeResult"), "RegressionResult",
        parse(parser, "RegressionResult"), "ModelCard", parse(parser, "ModelCard"));
  }

  private static Schema parse(Schema.Parser parser, String name) {
    try (InputStream in = SettingSchemaEvolutionTest.class.getResourceAsStream("/schema-history/v1/" + name + ".avsc")) {
      return parser.parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
