package io.alignstream.extractor.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.Digests;
import io.alignstream.common.ErrorText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches files of a model repository over the hub's HTTP API into a {@link HubCache}, as
 * huggingface_hub's {@code hf_hub_download} does, so either can use what the other fetched:
 *
 * <ul>
 *   <li>{@code GET /api/models/<repo>/revision/<revision>}: the commit the revision points to
 *       ({@code sha}) and the repository's files ({@code siblings[].rfilename});</li>
 *   <li>{@code HEAD /<repo>/resolve/<commit>/<file>}, redirects not followed (only relative ones,
 *       a renamed repository): {@code X-Repo-Commit} must be that commit; the blob's name from
 *       {@code X-Linked-Etag} (an LFS file's sha256)
 *       or {@code ETag} (a git file's blob sha1), its size from {@code X-Linked-Size} or
 *       {@code Content-Length}, and for an LFS file the storage URL in {@code Location};</li>
 *   <li>{@code GET} that URL into {@code blobs/<etag>.incomplete}, resuming from its length with
 *       {@code Range: bytes=<n>-} (also after a connection cut mid-file, a few times), then the
 *       checksum the etag names is verified before the blob takes its name and the snapshot links
 *       to it. A wrong checksum deletes the partial file.</li>
 * </ul>
 * As huggingface_hub does, the token goes only to the hub's own URLs, never to the storage URL a
 * redirect names (nor any URL after a redirect).
 */
public final class HubClient {

  private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
  private static final int MAX_REDIRECTS = 5;
  /** Tries of one file's body, each resuming where the previous stopped. */
  private static final int ATTEMPTS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** One download of a blob at a time within this JVM (file locks guard across processes only). */
  private static final Map<Path, Object> BLOB_MONITORS = new ConcurrentHashMap<>();

  private final HubSettings settings;
  private final HttpClient http;

  public HubClient(HubSettings settings) {
    if (settings.offline()) {
      throw new IllegalArgumentException("HF_HUB_OFFLINE is set: alignstream does not contact the hub "
          + "(unset it to --download)");
    }
    this.settings = settings;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(TIMEOUT).build();
  }

  /** A revision as the hub reports it: the commit and every file in the repository at it. */
  public record Revision(String commit, List<String> files) {
    public Revision {
      files = List.copyOf(files);
    }
  }

  /** Resolves a revision (branch, tag or commit) and lists the repository's files at it. */
  public Revision revision(HubModelId id) {
    URI uri = URI.create(settings.endpoint() + "/api/models/" + id.repo() + "/revision/"
        + URLEncoder.encode(id.revision(), StandardCharsets.UTF_8));
    HttpResponse<byte[]> r = send(request(uri, true).GET().build(), HttpResponse.BodyHandlers.ofByteArray(), uri);
    requireOk(r, id, "revision " + id.revision());
    try {
      JsonNode root = JSON.readTree(r.body());
      String commit = root.path("sha").asText("");
      if (!SHA1.matcher(commit).matches()) {
        throw new HubException(uri + " gave no commit hash (sha) for " + id);
      }
      List<String> files = new ArrayList<>();
      root.path("siblings").forEach(s -> files.add(s.path("rfilename").asText()));
      return new Revision(commit, files);
    } catch (IOException e) {
      throw new HubException(uri + " did not answer with model info JSON: " + e.getMessage(), e);
    }
  }

  /**
   * The file {@code snapshots/<commit>/<file>}, downloaded first when the cache lacks it.
   *
   * @return the snapshot path (a link into blobs/)
   */
  public Path fetch(HubCache cache, HubModelId id, String commit, String file) {
    Path pointer = cache.snapshot(id, commit).resolve(file);
    if (Files.exists(pointer)) {
      return pointer;
    }
    FileMetadata meta = metadata(id, commit, file);
    Path blob = cache.blob(id, meta.etag());
    synchronized (BLOB_MONITORS.computeIfAbsent(blob.toAbsolutePath().normalize(), b -> new Object())) {
      if (!Files.exists(blob)) {
        download(cache, id, file, meta, blob);
      }
    }
    return cache.link(id, commit, file, meta.etag());
  }

  /**
   * What the HEAD of a file says.
   *
   * @param location where to GET it: the resolve URL, or the storage URL it redirected to
   * @param redirected whether {@code location} came from a redirect (then it gets no token)
   */
  private record FileMetadata(String etag, long size, URI location, boolean redirected) {}

  private FileMetadata metadata(HubModelId id, String commit, String file) {
    URI uri = URI.create(settings.endpoint() + "/" + id.repo() + "/resolve/" + commit + "/" + encodePath(file));
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest head = request(uri, true).method("HEAD", HttpRequest.BodyPublishers.noBody())
          .header("Accept-Encoding", "identity").build();
      HttpResponse<Void> r = send(head, HttpResponse.BodyHandlers.discarding(), uri);
      String location = r.headers().firstValue("Location").orElse(null);
      if (r.statusCode() / 100 == 3 && location != null && URI.create(location).getHost() == null) {
        uri = uri.resolve(location); // a renamed repository: follow, still on the hub
        continue;
      }
      requireOk(r, id, file);
      String served = r.headers().firstValue("X-Repo-Commit").orElse(commit);
      if (!served.equals(commit)) {
        throw new HubException(uri + " answered for commit " + served + ", not the requested " + commit
            + " (a mirror out of step with the hub?)");
      }
      String etag = normalizeEtag(r.headers().firstValue("X-Linked-Etag")
          .orElse(r.headers().firstValue("ETag").orElse(null)));
      if (etag == null) {
        throw new HubException(uri + " sent no ETag: the file's content cannot be named or verified");
      }
      String size = r.headers().firstValue("X-Linked-Size")
          .orElse(r.headers().firstValue("Content-Length").orElse("-1"));
      boolean redirected = r.statusCode() / 100 == 3 && location != null;
      return new FileMetadata(etag, Long.parseLong(size.trim()), redirected ? uri.resolve(location) : uri, redirected);
    }
    throw new HubException(uri + ": more than " + MAX_REDIRECTS + " redirects");
  }

  private void download(HubCache cache, HubModelId id, String file, FileMetadata meta, Path blob) {
    Path incomplete = blob.resolveSibling(blob.getFileName() + ".incomplete");
    Path lock = cache.lock(id, meta.etag());
    try {
      Files.createDirectories(blob.getParent());
      Files.createDirectories(lock.getParent());
      try (FileChannel lockChannel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = lockChannel.lock()) {
        if (Files.exists(blob)) {
          return; // another process finished it while this one waited
        }
        long have = receive(id, file, meta, incomplete);
        if (meta.size() >= 0 && have != meta.size()) {
          throw new HubException(id + " " + file + ": download stopped at " + have + " of " + meta.size()
              + " bytes after " + ATTEMPTS + " attempts; the partial file " + incomplete
              + " is kept, and the next --download resumes it");
        }
        verify(id, file, meta.etag(), incomplete);
        Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("fetched {} {} ({} bytes) into {}", id, file, have, blob);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store " + file + " of " + id + " in " + blob.getParent(), e);
    }
  }

  /** Appends the file's bytes to {@code incomplete} until it has them all or the attempts run out; returns its length. */
  private long receive(HubModelId id, String file, FileMetadata meta, Path incomplete) throws IOException {
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
      if (meta.size() >= 0 && have > meta.size()) {
        Files.delete(incomplete); // longer than the file: not a part of it
        have = 0;
      }
      if (meta.size() >= 0 && have == meta.size()) {
        return have;
      }
      HttpResponse<InputStream> r = get(meta.location(), !meta.redirected(), have);
      int status = r.statusCode();
      if (status == 416) {
        r.body().close();
        Files.deleteIfExists(incomplete); // the range does not fit the file: start over
        continue;
      }
      if (status != 200 && status != 206) {
        r.body().close();
        requireOk(r, id, file);
      }
      boolean append = status == 206;
      if (!append && have > 0) {
        LOG.info("{} {}: the server ignored the range request; downloading from the start", id, file);
      }
      try (InputStream in = r.body();
          OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        in.transferTo(out);
        if (meta.size() < 0) {
          return Files.size(incomplete);
        }
      } catch (IOException cut) {
        LOG.warn("{} {}: connection lost after {} bytes (attempt {} of {}): {}; resuming", id, file,
            Files.exists(incomplete) ? Files.size(incomplete) : 0, attempt, ATTEMPTS, cut.getMessage());
      }
    }
    return Files.exists(incomplete) ? Files.size(incomplete) : 0;
  }

  /** GET from an offset, following redirects; the token goes with the first request only, when it is the hub's. */
  private HttpResponse<InputStream> get(URI uri, boolean withToken, long from) {
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b = request(uri, withToken && hop == 0).GET();
      if (from > 0) {
        b.header("Range", "bytes=" + from + "-");
      }
      HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream(), uri);
      String location = r.headers().firstValue("Location").orElse(null);
      if (r.statusCode() / 100 != 3 || location == null) {
        return r;
      }
      closeQuietly(r.body());
      uri = uri.resolve(location);
    }
    throw new HubException(uri + ": more than " + MAX_REDIRECTS + " redirects");
  }

  /**
   * Checks the bytes against the checksum the etag names: an LFS file's etag is its sha256, a git
   * file's its blob sha1 (sha1 of "blob &lt;size&gt;\0" and the bytes). A mismatch deletes the file.
   */
  private static void verify(HubModelId id, String file, String etag, Path incomplete) throws IOException {
    boolean lfs = SHA256.matcher(etag).matches();
    if (!lfs && !SHA1.matcher(etag).matches()) {
      LOG.warn("{} {}: etag '{}' names no checksum; only the size was checked", id, file, etag);
      return;
    }
    MessageDigest d = lfs ? Digests.newSha256() : sha1();
    if (!lfs) {
      d.update(("blob " + Files.size(incomplete) + "\0").getBytes(StandardCharsets.US_ASCII));
    }
    Digests.updateFile(d, incomplete);
    String actual = Digests.hex(d);
    if (!actual.equals(etag)) {
      Files.delete(incomplete);
      throw new HubException(id + " " + file + ": checksum mismatch, the hub announced " + (lfs ? "sha256 " : "git sha1 ")
          + etag + " but the bytes received hash to " + actual + "; the download was deleted");
    }
  }

  private HttpRequest.Builder request(URI uri, boolean withToken) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("User-Agent", "alignstream");
    if (withToken && settings.token() != null) {
      b.header("Authorization", "Bearer " + settings.token());
    }
    return b;
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, URI uri) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new HubException("cannot reach " + uri + ": " + ErrorText.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException("interrupted while fetching " + uri, e);
    }
  }

  private void requireOk(HttpResponse<?> r, HubModelId id, String what) {
    int status = r.statusCode();
    if (status / 100 == 2 || status / 100 == 3) {
      return;
    }
    String code = r.headers().firstValue("X-Error-Code").orElse("");
    String why = switch (status) {
      case 401, 403 -> "access denied (HTTP " + status + (code.isEmpty() ? "" : ", " + code) + "): a gated or private "
          + "repository needs a token with access: set HF_TOKEN" + (settings.token() == null ? "" : " (the token given "
          + "was refused)") + " and accept the model's conditions on its hub page";
      case 404 -> "not found (HTTP 404" + (code.isEmpty() ? "" : ", " + code) + ")";
      default -> "HTTP " + status + (code.isEmpty() ? "" : ", " + code);
    };
    throw new HubException(settings.endpoint() + ": " + id + " " + what + ": " + why);
  }

  /** huggingface_hub's etag normalisation: drop a weak prefix and the quotes. */
  static String normalizeEtag(String etag) {
    if (etag == null) {
      return null;
    }
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    e = e.replace("\"", "");
    return e.isEmpty() ? null : e;
  }

  private static String encodePath(String file) {
    List<String> parts = new ArrayList<>();
    for (String p : file.split("/")) {
      parts.add(URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return String.join("/", parts);
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // a redirect's body: nothing to lose
    }
  }
}
