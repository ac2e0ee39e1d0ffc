package io.alignstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The vendored JSON schemas of {@code deploy/schemas/} (see its README for sources and versions),
 * applied with networknt's json-schema-validator to Kubernetes objects, chosen by apiVersion and
 * kind, and to the compose file.
 *
 * <p>Upstream's schemas are read as written except for three things an API server does and a plain
 * JSON-schema validator would not:
 * <ul>
 *   <li>unknown fields are errors ({@code additionalProperties: false} on every object schema that
 *       lists its properties, except inside {@code allOf/anyOf/oneOf/not} branches, which only add
 *       constraints, and where {@code x-kubernetes-preserve-unknown-fields} says unknown fields are
 *       kept): a misspelt {@code livenesProbe} would otherwise pass, and the API server would drop it;
 *   <li>int-or-string fields ({@code format: int-or-string}, {@code x-kubernetes-int-or-string})
 *       take an integer or a string, as their name says;
 *   <li>quantities ({@code resources.limits}: {@code nvidia.com/gpu: 1}) take a number or a string.
 * </ul>
 * Kubernetes' own keywords ({@code x-kubernetes-*}) are dropped once read.
 * Not checked: CEL rules ({@code x-kubernetes-validations}) and anything only an API server or an
 * operator knows (defaults, admission, references between objects: those are the agreement tests').
 */
final class ManifestSchemas {

  static final Path DIRECTORY = Path.of("deploy", "schemas");
  static final Path COMPOSE_SCHEMA = DIRECTORY.resolve("compose-spec.json");
  private static final String KUBERNETES_BUNDLE = "kubernetes-";
  private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  private static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
  private static final String BASE_IRI = "https://alignstream.invalid/schemas/";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a kind's schema is: the bundle's IRI and the definition's name. */
  private record Definition(String iri, String name) {
    SchemaLocation location() {
      return SchemaLocation.of(iri + "#/definitions/" + name);
    }
  }

  private final SchemaRegistry registry;
  private final Map<String, Definition> kinds;
  private final Definition objectMeta;
  private final Map<String, Schema> loaded = new HashMap<>();

  private ManifestSchemas(SchemaRegistry registry, Map<String, Definition> kinds, Definition objectMeta) {
    this.registry = registry;
    this.kinds = kinds;
    this.objectMeta = objectMeta;
  }

  /** Every bundle in deploy/schemas (each {"definitions": ...}, kinds tagged as in the Kubernetes API). */
  static ManifestSchemas load() throws IOException {
    Map<String, String> documents = new HashMap<>();
    Map<String, Definition> kinds = new HashMap<>();
    Definition objectMeta = null;
    List<Path> bundles;
    try (Stream<Path> files = Files.list(DIRECTORY)) {
      bundles = files.filter(f -> f.toString().endsWith(".json") && !f.equals(COMPOSE_SCHEMA)).sorted().toList();
    }
    for (Path bundle : bundles) {
      String iri = BASE_IRI + bundle.getFileName();
      ObjectNode root = (ObjectNode) JSON.readTree(bundle.toFile());
      ObjectNode definitions = (ObjectNode) root.get("definitions");
      if (definitions.has(QUANTITY)) {
        ((ObjectNode) definitions.get(QUANTITY)).set("type", JSON.createArrayNode().add("string").add("number"));
      }
      definitions.fields().forEachRemaining(entry -> {
        for (JsonNode gvk : entry.getValue().path(SchemaVendoring.GVK)) {
          String apiVersion = gvk.path("group").asText().isEmpty() ? gvk.path("version").asText()
              : gvk.path("group").asText() + "/" + gvk.path("version").asText();
          kinds.put(apiVersion + " " + gvk.path("kind").asText(), new Definition(iri, entry.getKey()));
        }
      });
      tighten(root, false);
      documents.put(iri, JSON.writeValueAsString(root));
      if (bundle.getFileName().toString().startsWith(KUBERNETES_BUNDLE) && definitions.has(OBJECT_META)) {
        objectMeta = new Definition(iri, OBJECT_META);
      }
    }
    if (objectMeta == null) {
      throw new IllegalStateException(DIRECTORY + " has no Kubernetes bundle with " + OBJECT_META);
    }
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4,
        builder -> builder.schemas(documents));
    return new ManifestSchemas(registry, kinds, objectMeta);
  }

  /** The kinds there are schemas for, as "apiVersion kind". */
  Set<String> kinds() {
    return kinds.keySet();
  }

  /** What is wrong with one object, each line naming the object and the path; empty when it is valid. */
  List<String> errors(JsonNode object) {
    String key = object.path("apiVersion").asText() + " " + object.path("kind").asText();
    Definition definition = kinds.get(key);
    if (definition == null) {
      return List.of(Manifests.describe(object) + ": no schema for " + key + " in " + DIRECTORY
          + " (add it with SchemaVendoring, see the README there)");
    }
    List<String> errors = new ArrayList<>(describe(object, schema(definition).validate(object)));
    // A custom resource's schema says only "metadata: object"; check it as the API server's ObjectMeta.
    if (!definition.iri().contains(KUBERNETES_BUNDLE)) {
      errors.addAll(describe(object, schema(objectMeta).validate(object.path("metadata"))));
    }
    return errors;
  }

  /** What is wrong with a compose file by the Compose Specification's schema. */
  static List<String> composeErrors(JsonNode compose) throws IOException {
    ObjectNode schema = (ObjectNode) JSON.readTree(COMPOSE_SCHEMA.toFile());
    // Its "$schema" names draft 7 without the canonical trailing '#', which the validator does not know;
    // "deprecated" (a later draft's annotation) constrains nothing.
    schema.remove("$schema");
    schema.findParents("deprecated").forEach(parent -> {
      if (parent.get("deprecated").isBoolean()) {
        ((ObjectNode) parent).remove("deprecated");
      }
    });
    Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
        .getSchema(SchemaLocation.of(BASE_IRI + COMPOSE_SCHEMA.getFileName()), schema);
    return validator.validate(compose).stream().map(e -> "docker-compose.yml " + e.getInstanceLocation() + ": "
        + e.getMessage()).toList();
  }

  private Schema schema(Definition definition) {
    return loaded.computeIfAbsent(definition.iri() + definition.name(), k -> registry.getSchema(definition.location()));
  }

  private static List<String> describe(JsonNode object, List<Error> errors) {
    return errors.stream().map(e -> Manifests.describe(object) + " " + e.getInstanceLocation() + ": " + e.getMessage())
        .toList();
  }

  /** The strictness and the int-or-string rule of the class comment, in place. */
  private static void tighten(JsonNode node, boolean branch) {
    if (node.isArray()) {
      node.forEach(item -> tighten(item, branch));
      return;
    }
    if (!(node instanceof ObjectNode schema)) {
      return;
    }
    if (!branch && schema.has("properties") && !schema.has("additionalProperties")
        && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      schema.put("additionalProperties", false);
    }
    if ("int-or-string".equals(schema.path("format").asText())
        || schema.path("x-kubernetes-int-or-string").asBoolean()) {
      ArrayNode either = schema.putArray("type");
      either.add("integer").add("string");
    }
    // Kubernetes' annotations (x-kubernetes-*, example) are used above or constrain nothing a schema can check.
    schema.remove(schema.properties().stream().map(Map.Entry::getKey)
        .filter(k -> k.startsWith("x-kubernetes-") || k.equals("example")).toList());
    schema.fields().forEachRemaining(field -> {
      String keyword = field.getKey();
      if (Set.of("properties", "definitions", "patternProperties").contains(keyword)) {
        field.getValue().forEach(child -> tighten(child, false));
      } else {
        tighten(field.getValue(), Set.of("allOf", "anyOf", "oneOf", "not").contains(keyword));
      }
    });
  }
}
