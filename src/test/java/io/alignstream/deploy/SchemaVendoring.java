package io.alignstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes the schema bundles under {@code deploy/schemas/} from upstream files (see the README
 * there for the sources, versions and the exact command lines). A bundle is one JSON document
 * {@code {"definitions": {...}}} in which every kind the manifests use is a definition tagged
 * with {@code x-kubernetes-group-version-kind}, as in the Kubernetes API's own OpenAPI document.
 *
 * <ul>
 *   <li>{@code kubernetes SOURCE.json OUT.json GROUP/VERSION/KIND...}: the definitions of the named
 *       kinds from the API server's OpenAPI v2 document, and every definition they reach by
 *       {@code $ref}; nothing else.
 *   <li>{@code crds OUT.json CRD.yaml...}: each served version's {@code openAPIV3Schema} of each
 *       CustomResourceDefinition, named {@code <group>.<version>.<Kind>}.
 * </ul>
 *
 * <p>Both drop the {@code description} texts (most of the bytes, no constraint) and change nothing
 * else, so every constraint in a bundle is upstream's. How strictly they are applied (unknown
 * fields refused) is decided where they are read, in {@link ManifestSchemas}.
 */
public final class SchemaVendoring {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  /** Where the Kubernetes OpenAPI document keeps a kind's group, version and kind. */
  static final String GVK = "x-kubernetes-group-version-kind";

  private SchemaVendoring() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3 || !Set.of("kubernetes", "crds").contains(args[0])) {
      System.err.println("usage: SchemaVendoring kubernetes SOURCE.json OUT.json GROUP/VERSION/KIND...\n"
          + "       SchemaVendoring crds OUT.json CRD.yaml...   (core kinds have an empty group: /v1/Service)");
      System.exit(2);
    }
    ObjectNode bundle = args[0].equals("kubernetes")
        ? kubernetes(JSON.readTree(Path.of(args[1]).toFile()), List.of(args).subList(3, args.length))
        : crds(Arrays.stream(args).skip(2).map(Path::of).toList());
    Path out = Path.of(args[0].equals("kubernetes") ? args[2] : args[1]);
    Files.writeString(out, oneDefinitionPerLine(bundle));
    System.out.println(out + ": " + bundle.get("definitions").size() + " definitions, " + Files.size(out) + " bytes");
  }

  /** The named kinds ({@code apps/v1/Deployment}, {@code /v1/Service}) and what they reference. */
  static ObjectNode kubernetes(JsonNode openApi, List<String> kinds) {
    JsonNode all = openApi.get("definitions");
    Deque<String> todo = new ArrayDeque<>();
    for (String kind : kinds) {
      String[] gvk = kind.split("/", -1);
      if (gvk.length != 3) {
        throw new IllegalArgumentException("kind " + kind + " is not GROUP/VERSION/KIND");
      }
      todo.add(definitionOf(all, gvk[0], gvk[1], gvk[2]));
    }
    Set<String> kept = new TreeSet<>();
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (kept.add(name)) {
        JsonNode definition = all.get(name);
        if (definition == null) {
          throw new IllegalArgumentException("$ref to a missing definition " + name);
        }
        definition.findValuesAsText("$ref").forEach(ref -> todo.add(ref.substring("#/definitions/".length())));
      }
    }
    ObjectNode definitions = JSON.createObjectNode();
    kept.forEach(name -> definitions.set(name, withoutDescriptions(all.get(name))));
    return bundle(definitions);
  }

  /** Every served version of every CRD, with its group, version and kind as the Kubernetes document tags them. */
  static ObjectNode crds(List<Path> files) throws IOException {
    Map<String, JsonNode> sorted = new TreeMap<>();
    for (Path file : files) {
      JsonNode crd = YAML.readTree(file.toFile());
      if (!"CustomResourceDefinition".equals(crd.path("kind").asText())) {
        throw new IllegalArgumentException(file + " is not a CustomResourceDefinition");
      }
      String group = crd.at("/spec/group").asText();
      String kind = crd.at("/spec/names/kind").asText();
      for (JsonNode version : crd.at("/spec/versions")) {
        if (!version.path("served").asBoolean()) {
          continue;
        }
        ObjectNode schema = (ObjectNode) withoutDescriptions(version.at("/schema/openAPIV3Schema"));
        ArrayNode tag = schema.putArray(GVK);
        tag.addObject().put("group", group).put("version", version.get("name").asText()).put("kind", kind);
        sorted.put(group + "." + version.get("name").asText() + "." + kind, schema);
      }
    }
    ObjectNode definitions = JSON.createObjectNode();
    sorted.forEach(definitions::set);
    return bundle(definitions);
  }

  /** Compact JSON (a pretty-printed Kafka CRD is four times larger), one definition a line so that diffs stay readable. */
  static String oneDefinitionPerLine(ObjectNode bundle) throws IOException {
    StringBuilder text = new StringBuilder("{\"definitions\": {\n");
    Iterator<Map.Entry<String, JsonNode>> it = bundle.get("definitions").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> entry = it.next();
      text.append(JSON.writeValueAsString(entry.getKey())).append(": ").append(JSON.writeValueAsString(entry.getValue()))
          .append(it.hasNext() ? ",\n" : "\n");
    }
    return text.append("}}\n").toString();
  }

  private static ObjectNode bundle(ObjectNode definitions) {
    ObjectNode bundle = JSON.createObjectNode();
    bundle.set("definitions", definitions);
    return bundle;
  }

  private static String definitionOf(JsonNode definitions, String group, String version, String kind) {
    for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      for (JsonNode tag : entry.getValue().path(GVK)) {
        if (tag.path("group").asText().equals(group) && tag.path("version").asText().equals(version)
            && tag.path("kind").asText().equals(kind)) {
          return entry.getKey();
        }
      }
    }
    throw new IllegalArgumentException("the OpenAPI document has no kind " + group + "/" + version + "/" + kind);
  }

  /**
   * A copy without the {@code description} keyword anywhere; a property that happens to be
   * called "description" (a key of a {@code properties} map) is kept.
   */
  static JsonNode withoutDescriptions(JsonNode schema) {
    return strip(schema, false);
  }

  private static JsonNode strip(JsonNode node, boolean propertyNames) {
    if (node.isArray()) {
      ArrayNode copy = JsonNodeFactory.instance.arrayNode();
      node.forEach(item -> copy.add(strip(item, false)));
      return copy;
    }
    if (!node.isObject()) {
      return node;
    }
    ObjectNode copy = JsonNodeFactory.instance.objectNode();
    node.fields().forEachRemaining(field -> {
      if (propertyNames || !(field.getKey().equals("description") && field.getValue().isTextual())) {
        boolean childNames = !propertyNames && Set.of("properties", "definitions", "patternProperties")
            .contains(field.getKey());
        copy.set(field.getKey(), strip(field.getValue(), childNames));
      }
    });
    return copy;
  }
}
