package io.alignstream.extractor.diffusion.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Typed access to a config.json with errors that name the file, the key, the value found and what
 * is supported, so an unsupported checkpoint fails at load time with an actionable message.
 */
public final class ConfigReader {

  private final JsonNode config;
  private final Path file;

  public ConfigReader(JsonNode config, Path file) {
    this.config = config;
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** Whether the key is present and not null. */
  public boolean has(String key) {
    return config.hasNonNull(key);
  }

  /** Whether the key is present with an explicit JSON null (diffusers gives some keys a meaning for null). */
  public boolean isNull(String key) {
    return config.has(key) && config.get(key).isNull();
  }

  public int requireInt(String key) {
    JsonNode n = require(key);
    if (!n.canConvertToInt() || !n.isIntegralNumber()) {
      throw CheckpointException.unsupported(file, key, n, "an integer");
    }
    return n.intValue();
  }

  public int intOr(String key, int fallback) {
    return has(key) ? requireInt(key) : fallback;
  }

  public double requireDouble(String key) {
    JsonNode n = require(key);
    if (!n.isNumber()) {
      throw CheckpointException.unsupported(file, key, n, "a number");
    }
    return n.doubleValue();
  }

  public double doubleOr(String key, double fallback) {
    return has(key) ? requireDouble(key) : fallback;
  }

  public String requireString(String key) {
    JsonNode n = require(key);
    if (!n.isTextual()) {
      throw CheckpointException.unsupported(file, key, n, "a string");
    }
    return n.textValue();
  }

  public String stringOr(String key, String fallback) {
    return has(key) ? requireString(key) : fallback;
  }

  public boolean boolOr(String key, boolean fallback) {
    if (!has(key)) {
      return fallback;
    }
    JsonNode n = config.get(key);
    if (!n.isBoolean()) {
      throw CheckpointException.unsupported(file, key, n, "true or false");
    }
    return n.booleanValue();
  }

  /** An integer list; a single integer is accepted as a list of {@code broadcast} copies. */
  public List<Integer> intList(String key, int broadcast) {
    JsonNode n = require(key);
    List<Integer> out = new ArrayList<>();
    if (n.isIntegralNumber()) {
      for (int i = 0; i < broadcast; i++) {
        out.add(n.intValue());
      }
      return List.copyOf(out);
    }
    if (!n.isArray()) {
      throw CheckpointException.unsupported(file, key, n, "an integer or a list of integers");
    }
    for (JsonNode e : n) {
      if (!e.isIntegralNumber()) {
        throw CheckpointException.unsupported(file, key, n, "a list of integers");
      }
      out.add(e.intValue());
    }
    return List.copyOf(out);
  }

  /** A boolean list; a single boolean is accepted as a list of one. */
  public List<Boolean> boolList(String key) {
    JsonNode n = require(key);
    List<Boolean> out = new ArrayList<>();
    if (n.isBoolean()) {
      return List.of(n.booleanValue());
    }
    if (!n.isArray()) {
      throw CheckpointException.unsupported(file, key, n, "true, false or a list of booleans");
    }
    for (JsonNode e : n) {
      if (!e.isBoolean()) {
        throw CheckpointException.unsupported(file, key, n, "a list of booleans");
      }
      out.add(e.booleanValue());
    }
    return List.copyOf(out);
  }

  /** A string list. */
  public List<String> stringList(String key) {
    JsonNode n = require(key);
    if (!n.isArray()) {
      throw CheckpointException.unsupported(file, key, n, "a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      out.add(e.asText());
    }
    return List.copyOf(out);
  }

  /** Fails unless the (string) value is one of {@code supported}; absent keys take {@code fallback}. */
  public String requireOneOf(String key, String fallback, Collection<String> supported) {
    String v = stringOr(key, fallback);
    if (!supported.contains(v)) {
      throw CheckpointException.unsupported(file, key, '"' + v + '"', supported);
    }
    return v;
  }

  /** Fails when the key holds anything but null (features this port does not implement). */
  public void requireNull(String key, String why) {
    if (has(key)) {
      throw CheckpointException.unsupported(file, key, config.get(key), "null (" + why + ")");
    }
  }

  /** Fails when the key holds a value other than {@code expected} (absent counts as expected). */
  public void requireEquals(String key, Object expected, String why) {
    if (!has(key)) {
      return;
    }
    JsonNode n = config.get(key);
    boolean same = expected instanceof Number num
        ? n.isNumber() && n.doubleValue() == num.doubleValue()
        : expected instanceof Boolean b ? n.isBoolean() && n.booleanValue() == b : n.asText().equals(expected.toString());
    if (!same) {
      throw CheckpointException.unsupported(file, key, n, expected + " (" + why + ")");
    }
  }

  private JsonNode require(String key) {
    JsonNode n = config.get(key);
    if (n == null || n.isNull()) {
      throw new CheckpointException(file + ": required key '" + key + "' is missing");
    }
    return n;
  }
}
