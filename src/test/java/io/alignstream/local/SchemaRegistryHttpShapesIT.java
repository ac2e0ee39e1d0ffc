package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The registry's raw HTTP replies, field by field, as Confluent's clients (Java, librdkafka,
 * confluent-kafka-python, Go) parse them; checked with java.net.http, not our client.
 */
class SchemaRegistryHttpShapesIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Schema V1 = EmbeddedSchemaRegistryIT.V1;
  private static final Schema V2_WITHOUT_DEFAULT = EmbeddedSchemaRegistryIT.V2_WITHOUT_DEFAULT;

  private static EmbeddedSchemaRegistry registry;

  /** Status, content type and parsed body of one exchange. */
  private record Reply(int status, String contentType, String text) {
    JsonNode json() throws IOException {
      return JSON.readTree(text);
    }

    List<String> fields() throws IOException {
      List<String> names = new ArrayList<>();
      json().fieldNames().forEachRemaining(names::add);
      return names;
    }
  }

  @BeforeAll
  static void start() {
    registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(SharedTestBroker.bootstrapServers())
        .withTopic("_schemas-http-shapes-test"));
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void registrationLookupAndSchemaRepliesHaveConfluentsShape() throws Exception {
    Reply root = call("GET", "/", null);
    assertThat(root.status()).isEqualTo(200);
    assertThat(root.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(root.json().isObject() && root.json().isEmpty()).isTrue();

    Reply registered = call("POST", "/subjects/shapes-value/versions", schemaBody(V1, "AVRO"));
    assertThat(registered.status()).isEqualTo(200);
    assertThat(registered.fields()).containsExactly("id");
    assertThat(registered.json().get("id").isInt()).isTrue();
    int id = registered.json().get("id").asInt();
    // schemaType may be left out: AVRO is the default.
    assertThat(call("POST", "/subjects/shapes-value/versions", schemaBody(V1, null)).json().get("id").asInt())
        .isEqualTo(id);

    Reply lookup = call("POST", "/subjects/shapes-value", schemaBody(V1, null));
    assertThat(lookup.fields()).containsExactly("subject", "version", "id", "schema");
    assertVersion(lookup.json(), "shapes-value", 1, id, V1);

    for (String version : List.of("1", "latest", "-1")) {
      Reply byVersion = call("GET", "/subjects/shapes-value/versions/" + version, null);
      assertThat(byVersion.fields()).containsExactly("subject", "version", "id", "schema");
      assertVersion(byVersion.json(), "shapes-value", 1, id, V1);
      assertThat(new Schema.Parser().parse(call("GET", "/subjects/shapes-value/versions/" + version + "/schema",
          null).text())).isEqualTo(V1);
    }

    Reply byId = call("GET", "/schemas/ids/" + id, null);
    assertThat(byId.fields()).containsExactly("schema");
    assertThat(new Schema.Parser().parse(byId.json().get("schema").asText())).isEqualTo(V1);
    assertThat(new Schema.Parser().parse(call("GET", "/schemas/ids/" + id + "/schema", null).text())).isEqualTo(V1);

    assertThat(call("GET", "/subjects?subjectPrefix=shapes", null).json()).containsExactly(JSON.getNodeFactory().textNode("shapes-value"));
    assertThat(call("GET", "/subjects/shapes-value/versions", null).json())
        .containsExactly(JSON.getNodeFactory().numberNode(1));
    assertThat(call("GET", "/schemas/types", null).json().toString()).isEqualTo("[\"AVRO\"]");
  }

  @Test
  void compatibilityAndConfigRepliesHaveConfluentsShape() throws Exception {
    call("POST", "/subjects/compat-value/versions", schemaBody(V1, null));

    Reply compatible = call("POST", "/compatibility/subjects/compat-value/versions/latest", schemaBody(V1, null));
    assertThat(compatible.json().toString()).isEqualTo("{\"is_compatible\":true}");
    Reply incompatible = call("POST", "/compatibility/subjects/compat-value/versions/1",
        schemaBody(V2_WITHOUT_DEFAULT, null));
    assertThat(incompatible.json().toString()).isEqualTo("{\"is_compatible\":false}");
    Reply verbose = call("POST", "/compatibility/subjects/compat-value/versions/latest?verbose=true",
        schemaBody(V2_WITHOUT_DEFAULT, null));
    assertThat(verbose.fields()).containsExactly("is_compatible", "messages");
    assertThat(verbose.json().get("messages").get(0).asText()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");

    assertThat(call("GET", "/config", null).json().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    Reply noSubjectLevel = call("GET", "/config/compat-value", null);
    assertError(noSubjectLevel, 404, 40408);
    assertThat(call("GET", "/config/compat-value?defaultToGlobal=true", null).json().toString())
        .isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    Reply put = call("PUT", "/config/compat-value", "{\"compatibility\":\"full_transitive\"}");
    assertThat(put.json().toString()).isEqualTo("{\"compatibility\":\"FULL_TRANSITIVE\"}");
    assertThat(call("GET", "/config/compat-value", null).json().toString())
        .isEqualTo("{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
    assertThat(call("GET", "/config", null).json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    assertThat(call("GET", "/mode", null).json().toString()).isEqualTo("{\"mode\":\"READWRITE\"}");
  }

  @Test
  void deletingASubjectListsItsVersionsAndKeepsItsIdsResolvable() throws Exception {
    int id = call("POST", "/subjects/doomed-value/versions", schemaBody(V1, null)).json().get("id").asInt();

    Reply deleted = call("DELETE", "/subjects/doomed-value", null);
    assertThat(deleted.json().toString()).isEqualTo("[1]");
    assertError(call("GET", "/subjects/doomed-value/versions", null), 404, 40401);
    assertError(call("DELETE", "/subjects/doomed-value", null), 404, 40401);
    assertThat(call("GET", "/schemas/ids/" + id, null).status()).isEqualTo(200);
    assertThat(call("GET", "/subjects", null).json().toString()).doesNotContain("doomed-value");
  }

  @Test
  void badRequestsGetConfluentsErrorCodesAndStatuses() throws Exception {
    call("POST", "/subjects/errors-value/versions", schemaBody(V1, null));

    Reply protobuf = call("POST", "/subjects/errors-value/versions", schemaBody(V1, "PROTOBUF"));
    assertError(protobuf, 422, 42201);
    assertThat(protobuf.json().get("message").asText()).contains("only AVRO");
    assertError(call("POST", "/subjects/errors-value/versions", "{\"schema\":\"{\\\"type\\\":\\\"record\\\"}\"}"),
        422, 42201);
    assertError(call("POST", "/subjects/errors-value/versions", "{\"schema\":\"\"}"), 422, 42201);
    assertError(call("POST", "/subjects/errors-value/versions", "{\"schema\": nope"), 400, 400);
    assertError(call("POST", "/subjects/errors-value/versions", schemaBody(V2_WITHOUT_DEFAULT, null)), 409, 409);
    for (String version : List.of("0", "-2", "abc", "2147483648")) {
      assertError(call("GET", "/subjects/errors-value/versions/" + version, null), 422, 42202);
    }
    assertError(call("GET", "/subjects/errors-value/versions/2", null), 404, 40402);
    assertError(call("GET", "/schemas/ids/99999", null), 404, 40403);
    assertError(call("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
    assertError(call("PUT", "/config/errors-value", "{}"), 422, 42203);
    assertError(call("GET", "/no/such/route", null), 404, 404);
    assertError(call("GET", "/subjects/errors-value/things", null), 404, 404);
    assertError(call("DELETE", "/config", null), 405, 405);
    assertThat(call("GET", "/config", null).json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
  }

  @Test
  void percentEncodedSubjectsAreDecodedOnceAndPlusIsAPlus() throws Exception {
    int id = call("POST", "/subjects/a%2Fb%20c%2Bd%25-value/versions", schemaBody(V1, null)).json().get("id").asInt();

    Reply latest = call("GET", "/subjects/a%2Fb%20c+d%25-value/versions/latest", null);
    assertVersion(latest.json(), "a/b c+d%-value", 1, id, V1);
    assertThat(call("GET", "/subjects", null).json().toString()).contains("\"a/b c+d%-value\"");
  }

  private static void assertVersion(JsonNode reply, String subject, int version, int id, Schema schema) {
    assertThat(reply.get("subject").asText()).isEqualTo(subject);
    assertThat(reply.get("version").isInt()).isTrue();
    assertThat(reply.get("version").asInt()).isEqualTo(version);
    assertThat(reply.get("id").asInt()).isEqualTo(id);
    assertThat(reply.get("schema").isTextual()).isTrue();
    assertThat(new Schema.Parser().parse(reply.get("schema").asText())).isEqualTo(schema);
  }

  private static void assertError(Reply reply, int status, int errorCode) throws IOException {
    assertThat(reply.status()).as(reply.text()).isEqualTo(status);
    assertThat(reply.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(reply.fields()).containsExactly("error_code", "message");
    assertThat(reply.json().get("error_code").asInt()).isEqualTo(errorCode);
    assertThat(reply.json().get("message").asText()).isNotBlank();
  }

  private static String schemaBody(Schema schema, String schemaType) {
    var body = JSON.createObjectNode().put("schema", schema.toString());
    if (schemaType != null) {
      body.put("schemaType", schemaType);
    }
    return body.toString();
  }

  private static Reply call(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.url() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Accept", "application/vnd.schemaregistry.v1+json");
    if (body != null) {
      request.header("Content-Type", "application/vnd.schemaregistry.v1+json");
    }
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
        response.body());
  }
}
