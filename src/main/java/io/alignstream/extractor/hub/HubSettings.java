package io.alignstream.extractor.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the Hugging Face hub cache lives and how to reach the hub, read from the environment
 * exactly as huggingface_hub reads it, so alignstream and Python share one cache.
 *
 * @param cache the hub cache folder: {@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else
 *     {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}
 * @param endpoint the hub (or a mirror): {@code HF_ENDPOINT}, else {@code https://huggingface.co}
 * @param token a user access token for gated and private repositories: {@code HF_TOKEN}, else the
 *     file {@code HF_TOKEN_PATH} or {@code HF_HOME/token} (where {@code huggingface-cli login}
 *     writes it); null when none
 * @param offline {@code HF_HUB_OFFLINE} is set: never contact the hub, even with --download
 */
public record HubSettings(Path cache, String endpoint, String token, boolean offline) {

  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  public HubSettings {
    endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
  }

  /** The settings of this process's environment. */
  public static HubSettings fromEnvironment() {
    return fromEnvironment(System.getenv(), System.getProperty("user.home"));
  }

  /**
   * The settings an environment implies.
   *
   * @param env environment variables
   * @param home the user's home folder
   */
  public static HubSettings fromEnvironment(Map<String, String> env, String home) {
    Path hfHome = set(env, "HF_HOME") ? Path.of(env.get("HF_HOME"))
        : (set(env, "XDG_CACHE_HOME") ? Path.of(env.get("XDG_CACHE_HOME")) : Path.of(home, ".cache"))
            .resolve("huggingface");
    Path cache = set(env, "HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE"))
        : set(env, "HUGGINGFACE_HUB_CACHE") ? Path.of(env.get("HUGGINGFACE_HUB_CACHE")) // the older name
        : hfHome.resolve("hub");
    String endpoint = set(env, "HF_ENDPOINT") ? env.get("HF_ENDPOINT") : DEFAULT_ENDPOINT;
    String token = set(env, "HF_TOKEN") ? env.get("HF_TOKEN").trim() : null;
    if (token == null) {
      Path file = set(env, "HF_TOKEN_PATH") ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
      token = readToken(file);
    }
    String offline = env.getOrDefault("HF_HUB_OFFLINE", "");
    return new HubSettings(cache, endpoint, token, offline.equals("1") || offline.equalsIgnoreCase("true")
        || offline.equalsIgnoreCase("yes") || offline.equalsIgnoreCase("on"));
  }

  /** The same settings with another cache folder ({@code --hub-cache}). */
  public HubSettings withCache(Path dir) {
    return new HubSettings(dir, endpoint, token, offline);
  }

  private static boolean set(Map<String, String> env, String key) {
    return env.get(key) != null && !env.get(key).isBlank();
  }

  private static String readToken(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      return token.isEmpty() ? null : token;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the hub token file " + file, e);
    }
  }

  @Override
  public String toString() {
    // never print the token
    return "hub " + endpoint + ", cache " + cache + (token == null ? "" : ", with a token") + (offline ? ", offline" : "");
  }
}
