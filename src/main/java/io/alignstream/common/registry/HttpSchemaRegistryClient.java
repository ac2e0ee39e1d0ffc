package io.alignstream.common.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client for any Confluent-compatible schema registry (Confluent, Redpanda, Karapace,
 * Apicurio's ccompat API, the embedded one) over its REST API. Schemas by id and ids by
 * (subject, schema) never change once assigned, so both are cached for the client's life;
 * "latest version" is always asked afresh. Several comma-separated URLs are tried in turn when
 * one cannot be reached. Basic auth follows Confluent's keys:
 * {@code basic.auth.credentials.source=USER_INFO} with {@code basic.auth.user.info=user:secret},
 * or credentials in the URL.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<URI> baseUrls;
  private final String authorization;
  private final HttpClient http;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

  public HttpSchemaRegistryClient(String urls, Map<String, ?> config) {
    this.baseUrls = new ArrayList<>();
    String userInfo = null;
    for (String url : urls.split(",")) {
      URI uri = URI.create(url.trim().replaceAll("/+$", ""));
      if (uri.getUserInfo() != null) {
        userInfo = uri.getUserInfo();
        uri = URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
            + (uri.getPath() == null ? "" : uri.getPath()));
      }
      baseUrls.add(uri);
    }
    Object source = config.get("basic.auth.credentials.source");
    if ("USER_INFO".equals(source) && config.get("basic.auth.user.info") != null) {
      userInfo = config.get("basic.auth.user.info").toString();
    }
    this.authorization = userInfo == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  public int register(String subject, Schema schema) {
    String cacheKey = subject + '\n' + schema;
    Integer cached = idsBySubjectAndSchema.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    JsonNode reply = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    int id = reply.get("id").asInt();
    idsBySubjectAndSchema.put(cacheKey, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    JsonNode reply = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
    RegisteredSchema found = registered(reply);
    idsBySubjectAndSchema.put(subject + '\n' + schema, found.id());
    return found;
  }

  @Override
  public Schema schemaById(int id) {
    return schemasById.computeIfAbsent(id, key -> parse(send("GET", "/schemas/ids/" + key, null).get("schema").asText()));
  }

  @Override
  public RegisteredSchema latest(String subject) {
    return registered(send("GET", "/subjects/" + encode(subject) + "/versions/latest", null));
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    return registered(send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null));
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    try {
      return send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema))
          .get("is_compatible").asBoolean();
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
        return true; // nothing registered yet: anything may be
      }
      throw e;
    }
  }

  @Override
  public List<String> subjects() {
    List<String> subjects = new ArrayList<>();
    send("GET", "/subjects", null).forEach(node -> subjects.add(node.asText()));
    return subjects;
  }

  @Override
  public List<Integer> versions(String subject) {
    List<Integer> versions = new ArrayList<>();
    send("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(node -> versions.add(node.asInt()));
    return versions;
  }

  @Override
  public CompatibilityLevel compatibility(String subject) {
    String path = subject == null ? "/config" : "/config/" + encode(subject) + "?defaultToGlobal=true";
    return CompatibilityLevel.valueOf(send("GET", path, null).get("compatibilityLevel").asText());
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
    send("PUT", subject == null ? "/config" : "/config/" + encode(subject), body);
  }

  private RegisteredSchema registered(JsonNode reply) {
    Schema schema = parse(reply.get("schema").asText());
    int id = reply.get("id").asInt();
    schemasById.putIfAbsent(id, schema);
    return new RegisteredSchema(reply.get("subject").asText(), reply.get("version").asInt(), id, schema);
  }

  private static Schema parse(String text) {
    return new Schema.Parser().parse(text);
  }

  private static ObjectNode schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString());
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode send(String method, String path, JsonNode body) {
    IOException lastFailure = null;
    for (URI base : baseUrls) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
          .timeout(Duration.ofSeconds(30))
          .header("Accept", CONTENT_TYPE + ", application/json")
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body.toString()));
      if (body != null) {
        request.header("Content-Type", CONTENT_TYPE);
      }
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return readReply(method, base + path, response);
      } catch (IOException e) {
        lastFailure = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException(SchemaRegistryException.STORE_ERROR, 500,
            "interrupted while calling the schema registry", e);
      }
    }
    throw new SchemaRegistryException(SchemaRegistryException.STORE_ERROR, 503,
        "schema registry unreachable at " + baseUrls + ": " + lastFailure, lastFailure);
  }

  private static JsonNode readReply(String method, String url, HttpResponse<String> response) throws IOException {
    JsonNode reply = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    if (response.statusCode() / 100 == 2) {
      return reply;
    }
    int code = reply.hasNonNull("error_code") ? reply.get("error_code").asInt() : response.statusCode();
    String message = reply.hasNonNull("message") ? reply.get("message").asText() : response.body();
    throw new SchemaRegistryException(code, response.statusCode(), method + " " + url + ": " + message, null);
  }
}
