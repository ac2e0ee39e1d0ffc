package io.alignstream.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.alignstream.common.registry.CompatibilityLevel;
import io.alignstream.common.registry.InMemorySchemaRegistry;
import io.alignstream.common.registry.RegisteredSchema;
import io.alignstream.common.registry.SchemaRegistryException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST API (the subset serdes and common tools use) over an
 * {@link InMemorySchemaRegistry}: the same paths, JSON shapes, error codes and HTTP statuses,
 * so Confluent's clients and ours cannot tell it from the real one. Avro only.
 *
 * <p>Changes run under the registry's lock after {@code beforeChange} (the store's catch-up),
 * so a change is always computed from, and persisted after, everything the store holds.
 */
final class SchemaRegistryHttpApi implements HttpHandler {

  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int NOT_FOUND = 404;
  private static final int METHOD_NOT_ALLOWED = 405;
  private static final int BAD_REQUEST = 400;

  /** A parsed request: method, percent-decoded path segments, query parameters, body. */
  private record Request(String method, List<String> path, Map<String, String> query, byte[] body) {
    String segment(int index) {
      return index < path.size() ? path.get(index) : "";
    }
  }

  /** What goes back: HTTP status and body text. */
  private record Reply(int status, String body) {}

  private final InMemorySchemaRegistry registry;
  private final Runnable beforeChange;

  SchemaRegistryHttpApi(InMemorySchemaRegistry registry, Runnable beforeChange) {
    this.registry = registry;
    this.beforeChange = beforeChange;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Reply reply;
      try {
        reply = route(parse(exchange));
      } catch (SchemaRegistryException e) {
        reply = error(e.httpStatus(), e.errorCode(), e.apiMessage());
      } catch (RuntimeException e) {
        LOG.error("schema registry: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        reply = error(500, 500, "Internal Server Error: " + e);
      }
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      exchange.sendResponseHeaders(reply.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private Reply route(Request request) {
    switch (request.segment(0)) {
      case "":
        return request.path().isEmpty() ? only(request, "GET", () -> json(JSON.createObjectNode())) : notFound();
      case "subjects":
        return subjects(request);
      case "schemas":
        return schemas(request);
      case "compatibility":
        return compatibility(request);
      case "config":
        return config(request);
      case "mode":
        // Read-write is the only mode; tools that mirror registries ask before writing.
        return request.path().size() == 1
            ? only(request, "GET", () -> json(JSON.createObjectNode().put("mode", "READWRITE")))
            : notFound();
      default:
        return notFound();
    }
  }

  private Reply subjects(Request request) {
    List<String> path = request.path();
    if (path.size() == 1) {
      return only(request, "GET", () -> {
        String prefix = request.query().getOrDefault("subjectPrefix", "");
        ArrayNode names = JSON.createArrayNode();
        registry.subjects().stream().filter(s -> s.startsWith(prefix)).forEach(names::add);
        return json(names);
      });
    }
    String subject = path.get(1);
    if (path.size() == 2) {
      if (request.method().equals("POST")) {
        return json(registered(registry.lookup(subject, schemaFrom(request))));
      }
      if (request.method().equals("DELETE")) {
        // Confluent's soft and permanent deletes (?permanent=true) are one thing here: the
        // subject and its versions go, its ids stay resolvable.
        List<Integer> deleted = change(() -> registry.deleteSubject(subject));
        return json(numbers(deleted));
      }
      return methodNotAllowed();
    }
    if (!request.segment(2).equals("versions")) {
      return notFound();
    }
    if (path.size() == 3) {
      if (request.method().equals("GET")) {
        return json(numbers(registry.versions(subject)));
      }
      if (request.method().equals("POST")) {
        Schema schema = schemaFrom(request);
        int id = change(() -> registry.register(subject, schema));
        return json(JSON.createObjectNode().put("id", id));
      }
      return methodNotAllowed();
    }
    if (path.size() == 4) {
      return only(request, "GET", () -> json(registered(versionOf(subject, path.get(3)))));
    }
    if (path.size() == 5 && path.get(4).equals("schema")) {
      return only(request, "GET", () -> new Reply(200, versionOf(subject, path.get(3)).schema().toString()));
    }
    return notFound();
  }

  private Reply schemas(Request request) {
    List<String> path = request.path();
    if (path.size() == 2 && path.get(1).equals("types")) {
      return only(request, "GET", () -> json(JSON.createArrayNode().add("AVRO")));
    }
    if (!request.segment(1).equals("ids") || path.size() < 3) {
      return notFound();
    }
    if (path.size() == 3) {
      return only(request, "GET", () -> json(JSON.createObjectNode()
          .put("schema", registry.schemaById(id(path.get(2))).toString())));
    }
    if (path.size() == 4 && path.get(3).equals("schema")) {
      return only(request, "GET", () -> new Reply(200, registry.schemaById(id(path.get(2))).toString()));
    }
    return notFound();
  }

  /** POST /compatibility/subjects/{s}/versions[/{v|latest}]: without a version, as registering would check. */
  private Reply compatibility(Request request) {
    List<String> path = request.path();
    boolean shape = (path.size() == 4 || path.size() == 5)
        && request.segment(1).equals("subjects") && request.segment(3).equals("versions");
    if (!shape) {
      return notFound();
    }
    return only(request, "POST", () -> {
      String subject = path.get(2);
      Integer version = path.size() == 5 ? versionNumber(path.get(4)) : null;
      Schema schema = schemaFrom(request);
      String problem = registry.incompatibility(subject, version, schema);
      ObjectNode reply = JSON.createObjectNode().put("is_compatible", problem == null);
      if (Boolean.parseBoolean(request.query().get("verbose"))) {
        ArrayNode messages = reply.putArray("messages");
        if (problem != null) {
          messages.add(problem);
        }
      }
      return json(reply);
    });
  }

  private Reply config(Request request) {
    List<String> path = request.path();
    if (path.size() > 2) {
      return notFound();
    }
    String subject = path.size() == 2 ? path.get(1) : null;
    if (request.method().equals("GET")) {
      CompatibilityLevel level = subject == null ? registry.compatibility(null) : registry.subjectCompatibility(subject);
      if (level == null) {
        if (!Boolean.parseBoolean(request.query().get("defaultToGlobal"))) {
          throw new SchemaRegistryException(SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
              "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        level = registry.compatibility(null);
      }
      return json(JSON.createObjectNode().put("compatibilityLevel", level.name()));
    }
    if (request.method().equals("PUT")) {
      CompatibilityLevel level = levelFrom(request);
      change(() -> {
        registry.setCompatibility(subject, level);
        return level;
      });
      return json(JSON.createObjectNode().put("compatibility", level.name()));
    }
    return methodNotAllowed();
  }

  private <T> T change(Supplier<T> operation) {
    synchronized (registry) {
      beforeChange.run();
      return operation.get();
    }
  }

  private RegisteredSchema versionOf(String subject, String versionText) {
    Integer version = versionNumber(versionText);
    return version == null ? registry.latest(subject) : registry.version(subject, version);
  }

  /** A version number, or null for the latest ("latest" or -1, as Confluent accepts). */
  private static Integer versionNumber(String text) {
    if (text.equals("latest") || text.equals("-1")) {
      return null;
    }
    try {
      int version = Integer.parseInt(text);
      if (version >= 1) {
        return version;
      }
    } catch (NumberFormatException e) {
      // reported below, as for any other invalid version
    }
    throw new SchemaRegistryException(SchemaRegistryException.INVALID_VERSION, "The specified version '" + text
        + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
  }

  private static int id(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + text + " not found");
    }
  }

  /** The Avro schema in a register, lookup or compatibility request body. */
  private static Schema schemaFrom(Request request) {
    JsonNode body = body(request);
    JsonNode type = body.get("schemaType");
    if (type != null && !type.isNull() && !type.asText().equalsIgnoreCase("AVRO")) {
      throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
          "only AVRO schemas are supported by this registry, not schemaType " + type.asText());
    }
    JsonNode references = body.get("references");
    if (references != null && references.isArray() && !references.isEmpty()) {
      throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
          "schema references are not supported by this registry; inline the referenced types");
    }
    JsonNode schema = body.get("schema");
    if (schema == null || !schema.isTextual() || schema.asText().isBlank()) {
      throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
          "Empty schema: the request body needs a \"schema\" string holding the Avro schema JSON");
    }
    try {
      return new Schema.Parser().parse(schema.asText());
    } catch (RuntimeException e) {
      throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
    }
  }

  private static CompatibilityLevel levelFrom(Request request) {
    JsonNode body = body(request);
    JsonNode level = body.has("compatibility") ? body.get("compatibility") : body.get("compatibilityLevel");
    try {
      return CompatibilityLevel.valueOf(level.asText().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new SchemaRegistryException(SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
          "Invalid compatibility level " + (level == null ? "(none given)" : level) + ". Valid values are none,"
              + " backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
    }
  }

  private static JsonNode body(Request request) {
    try {
      JsonNode body = JSON.readTree(request.body());
      if (body == null || !body.isObject()) {
        throw new SchemaRegistryException(BAD_REQUEST, "the request body must be a JSON object");
      }
      return body;
    } catch (JsonProcessingException e) {
      throw new SchemaRegistryException(BAD_REQUEST, "the request body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SchemaRegistryException(BAD_REQUEST, "unreadable request body: " + e.getMessage());
    }
  }

  private static Request parse(HttpExchange exchange) {
    String rawPath = exchange.getRequestURI().getRawPath();
    List<String> path = new ArrayList<>();
    for (String segment : rawPath.split("/")) {
      if (!segment.isEmpty()) {
        path.add(decode(segment));
      }
    }
    Map<String, String> query = new HashMap<>();
    String rawQuery = exchange.getRequestURI().getRawQuery();
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int equals = pair.indexOf('=');
        String name = decode(equals < 0 ? pair : pair.substring(0, equals));
        query.put(name, equals < 0 ? "" : decode(pair.substring(equals + 1)));
      }
    }
    byte[] body;
    try {
      body = exchange.getRequestBody().readAllBytes();
    } catch (IOException e) {
      throw new SchemaRegistryException(BAD_REQUEST, "unreadable request body: " + e.getMessage());
    }
    return new Request(exchange.getRequestMethod().toUpperCase(Locale.ROOT), path, query, body);
  }

  /** Percent-decoding only: in a path '+' is a plus sign, not a space. */
  private static String decode(String text) {
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new SchemaRegistryException(BAD_REQUEST, "malformed percent-encoding in '" + text + "'");
    }
  }

  private static Reply only(Request request, String method, Supplier<Reply> handler) {
    return request.method().equals(method) ? handler.get() : methodNotAllowed();
  }

  private static ObjectNode registered(RegisteredSchema s) {
    return JSON.createObjectNode().put("subject", s.subject()).put("version", s.version()).put("id", s.id())
        .put("schema", s.schema().toString());
  }

  private static ArrayNode numbers(List<Integer> values) {
    ArrayNode array = JSON.createArrayNode();
    values.forEach(array::add);
    return array;
  }

  private static Reply json(JsonNode node) {
    return new Reply(200, node.toString());
  }

  private static Reply notFound() {
    return error(NOT_FOUND, NOT_FOUND, "HTTP 404 Not Found");
  }

  private static Reply methodNotAllowed() {
    return error(METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed");
  }

  private static Reply error(int status, int code, String message) {
    return new Reply(status, JSON.createObjectNode().put("error_code", code).put("message", message).toString());
  }
}
