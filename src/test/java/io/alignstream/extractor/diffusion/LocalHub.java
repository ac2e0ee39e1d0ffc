package io.alignstream.extractor.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.alignstream.common.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A local HTTP server (127.0.0.1) that plays the Hugging Face hub's endpoints for one repository
 * at one commit: model info ({@code /api/models/<repo>/revision/<rev>}), {@code resolve} (small
 * files answered directly with their git blob sha1 as ETag, weights and model files as LFS files: a
 * 302 to a storage URL with {@code X-Linked-Etag} = sha256 and {@code X-Linked-Size}) and the
 * storage URL itself, which honours {@code Range}. Faults on demand: a token required, a file
 * whose bytes do not match its announced sha256, a connection cut half-way through a file.
 */
public final class LocalHub implements AutoCloseable {

  public static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  private final HttpServer server;
  private final String repo;
  /** repository path -> content, as served. */
  private final Map<String, byte[]> files;
  /** repository path -> what the hub announces (sha256 of LFS files, git sha1 of the others). */
  private final Map<String, String> etags = new TreeMap<>();
  /** Every request as "METHOD path [Range] [auth]". */
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> cutOnce = ConcurrentHashMap.newKeySet();
  private volatile String requiredToken;
  private volatile String announcedCommit = COMMIT;

  /**
   * Serves a repository's files.
   *
   * @param repo {@code org/name}
   * @param files path -> bytes
   * @param corrupted paths whose served bytes differ from what their etag announces
   */
  public LocalHub(String repo, Map<String, byte[]> files, Set<String> corrupted) throws IOException {
    this.repo = repo;
    this.files = new LinkedHashMap<>();
    files.forEach((path, bytes) -> {
      etags.put(path, lfs(path) ? sha256(bytes) : gitSha1(bytes));
      byte[] served = bytes.clone();
      if (corrupted.contains(path)) {
        served[served.length / 2] ^= 1;
      }
      this.files.put(path, served);
    });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The files of a folder (e.g. the tiny-sd2 pipeline) by their relative paths. */
  static Map<String, byte[]> filesOf(Path dir) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    return files;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requires {@code Authorization: Bearer <token>} on the hub's own endpoints (a gated repository). */
  void requireToken(String token) {
    requiredToken = token;
  }

  /** Sends this as X-Repo-Commit from resolve, as a mirror out of step with the hub would. */
  void announceCommit(String commit) {
    announcedCommit = commit;
  }

  /** The next GET of this file's bytes sends half of them and drops the connection. */
  void cutOnce(String path) {
    cutOnce.add(path);
  }

  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** What the hub announces for a file: sha256 (LFS) or git blob sha1. */
  String etag(String path) {
    return etags.get(path);
  }

  /** Weights and model files are LFS files on the hub; configs and text are plain git files. */
  static boolean lfs(String path) {
    return path.endsWith(".safetensors") || path.endsWith(".onnx") || path.endsWith(".pt") || path.endsWith(".bin");
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String range = ex.getRequestHeaders().getFirst("Range");
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range) + (auth == null ? "" : " auth"));
    try (ex) {
      String api = "/api/models/" + repo + "/revision/";
      String resolve = "/" + repo + "/resolve/";
      if (path.startsWith("/cdn/")) {
        serveBytes(ex, path.substring("/cdn/".length()), range);
      } else if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
        ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
        ex.sendResponseHeaders(401, -1);
      } else if (path.startsWith(api)) {
        ObjectNode info = new ObjectMapper().createObjectNode().put("id", repo).put("sha", COMMIT);
        ArrayNode siblings = info.putArray("siblings");
        files.keySet().forEach(f -> siblings.addObject().put("rfilename", f));
        byte[] body = info.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      } else if (path.startsWith(resolve + COMMIT + "/") || path.startsWith(resolve + "main/")) {
        String file = path.substring(path.indexOf('/', resolve.length()) + 1);
        resolve(ex, file);
      } else {
        ex.sendResponseHeaders(404, -1);
      }
    }
  }

  private void resolve(HttpExchange ex, String file) throws IOException {
    byte[] bytes = files.get(file);
    if (bytes == null) {
      ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
      ex.sendResponseHeaders(404, -1);
      return;
    }
    ex.getResponseHeaders().add("X-Repo-Commit", announcedCommit);
    if (lfs(file)) {
      ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etags.get(file) + "\"");
      ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(bytes.length));
      ex.getResponseHeaders().add("ETag", "\"pointer-file-etag\"");
      ex.getResponseHeaders().add("Location", endpoint() + "/cdn/" + file);
      ex.sendResponseHeaders(302, -1);
      return;
    }
    ex.getResponseHeaders().add("ETag", "\"" + etags.get(file) + "\"");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().add("Content-Length", String.valueOf(bytes.length));
      ex.sendResponseHeaders(200, -1);
    } else {
      ex.sendResponseHeaders(200, bytes.length);
      ex.getResponseBody().write(bytes);
    }
  }

  private void serveBytes(HttpExchange ex, String file, String range) throws IOException {
    byte[] bytes = files.get(file);
    int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
    if (from > 0) {
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
    }
    int length = bytes.length - from;
    ex.sendResponseHeaders(from > 0 ? 206 : 200, length);
    OutputStream out = ex.getResponseBody();
    if (cutOnce.remove(file)) {
      out.write(bytes, from, length / 2);
      out.flush();
      // Closing the exchange now, with bytes promised but not sent, drops the connection.
      return;
    }
    out.write(bytes, from, length);
  }

  static String sha256(byte[] bytes) {
    return Digests.sha256Hex(bytes);
  }

  /** git's blob id: sha1 of "blob <size>\0" and the bytes. */
  static String gitSha1(byte[] bytes) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-1");
      d.update(("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(d.digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
