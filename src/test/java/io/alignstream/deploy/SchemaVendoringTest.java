package io.alignstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schema bundles' maker on small documents shaped like the upstream ones. */
class SchemaVendoringTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void keepsTheNamedKindsAndWhatTheyReferenceWithoutDescriptions() throws IOException {
    JsonNode openApi = JSON.readTree("""
        {"definitions": {
          "a.Widget": {"description": "A widget.", "type": "object",
            "properties": {"spec": {"$ref": "#/definitions/a.Spec", "description": "its spec"},
                           "description": {"type": "string", "description": "a field called description"}},
            "x-kubernetes-group-version-kind": [{"group": "a", "version": "v1", "kind": "Widget"}]},
          "a.Spec": {"type": "object", "properties": {"size": {"$ref": "#/definitions/a.Quantity"}}},
          "a.Quantity": {"type": "string", "description": "a number"},
          "a.Gadget": {"type": "object",
            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Gadget"}]}
        }}""");
    ObjectNode bundle = SchemaVendoring.kubernetes(openApi, List.of("a/v1/Widget"));
    assertThat(bundle.get("definitions").fieldNames()).toIterable().containsExactly("a.Quantity", "a.Spec", "a.Widget");
    JsonNode widget = bundle.at("/definitions/a.Widget");
    assertThat(widget.has("description")).isFalse();
    assertThat(widget.at("/properties/spec")).isEqualTo(JSON.readTree("{\"$ref\": \"#/definitions/a.Spec\"}"));
    // A property named "description" is a field of the object, not documentation.
    assertThat(widget.at("/properties/description")).isEqualTo(JSON.readTree("{\"type\": \"string\"}"));
    assertThat(SchemaVendoring.kubernetes(openApi, List.of("/v1/Gadget")).get("definitions").size()).isEqualTo(1);
    assertThatThrownBy(() -> SchemaVendoring.kubernetes(openApi, List.of("a/v2/Widget")))
        .hasMessageContaining("no kind a/v2/Widget");
  }

  @Test
  void takesEachServedVersionOfACustomResourceDefinition(@TempDir Path dir) throws IOException {
    Path crd = dir.resolve("crd.yaml");
    Files.writeString(crd, """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        spec:
          group: example.io
          names: {kind: Thing}
          versions:
            - name: v1
              served: true
              schema:
                openAPIV3Schema:
                  type: object
                  description: A thing.
                  properties:
                    spec: {type: object, properties: {n: {type: integer, minimum: 1, description: how many}}}
            - name: v0
              served: false
              schema: {openAPIV3Schema: {type: object}}
        """);
    ObjectNode bundle = SchemaVendoring.crds(List.of(crd));
    assertThat(bundle.get("definitions").fieldNames()).toIterable().containsExactly("example.io.v1.Thing");
    JsonNode thing = bundle.at("/definitions/example.io.v1.Thing");
    assertThat(thing.at("/properties/spec/properties/n")).isEqualTo(JSON.readTree("{\"type\":\"integer\",\"minimum\":1}"));
    assertThat(thing.get(SchemaVendoring.GVK)).isEqualTo(
        JSON.readTree("[{\"group\":\"example.io\",\"version\":\"v1\",\"kind\":\"Thing\"}]"));
    // Written one definition a line, and read back unchanged.
    String text = SchemaVendoring.oneDefinitionPerLine(bundle);
    assertThat(text.lines()).hasSize(3);
    assertThat(JSON.readTree(text)).isEqualTo(bundle);
  }
}
