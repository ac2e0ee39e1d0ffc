package io.alignstream.extractor.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A Hugging Face hub cache folder, laid out exactly as huggingface_hub lays it out, so that files
 * either side downloaded are found by the other:
 *
 * <pre>
 * &lt;cache&gt;/models--org--name/
 *   refs/main                       the commit the branch (or tag) pointed to when last fetched
 *   blobs/&lt;etag&gt;                    file contents, named by their sha256 (LFS) or git blob sha1
 *   blobs/&lt;etag&gt;.incomplete         a download in progress, resumed from its length
 *   snapshots/&lt;commit&gt;/unet/config.json -> ../../../blobs/&lt;etag&gt;   (relative symlinks)
 * &lt;cache&gt;/.locks/models--org--name/&lt;etag&gt;.lock
 * </pre>
 */
public final class HubCache {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");

  private final Path root;

  public HubCache(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** {@code <cache>/models--org--name}. */
  public Path repoDir(HubModelId id) {
    return root.resolve(id.cacheFolderName());
  }

  /**
   * The commit a revision stands for in this cache: the revision itself when it is a commit hash,
   * else the content of {@code refs/<revision>}; null when the cache has no such ref.
   */
  public String cachedCommit(HubModelId id) {
    if (id.revisionIsCommit()) {
      return id.revision();
    }
    Path ref = repoDir(id).resolve("refs").resolve(id.revision());
    if (!Files.isRegularFile(ref)) {
      return null;
    }
    try {
      return Files.readString(ref, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ref, e);
    }
  }

  /** {@code snapshots/<commit>}: the pipeline folder of that commit. */
  public Path snapshot(HubModelId id, String commit) {
    return repoDir(id).resolve("snapshots").resolve(commit);
  }

  /** Records that the revision pointed to a commit ({@code refs/<revision>}); nothing for a commit revision. */
  public void writeRef(HubModelId id, String commit) {
    if (id.revisionIsCommit()) {
      return;
    }
    Path ref = repoDir(id).resolve("refs").resolve(id.revision());
    try {
      Files.createDirectories(ref.getParent());
      Files.writeString(ref, commit, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + ref, e);
    }
  }

  /** {@code blobs/<etag>}. */
  public Path blob(HubModelId id, String etag) {
    return repoDir(id).resolve("blobs").resolve(etag);
  }

  /** {@code .locks/models--org--name/<etag>.lock}, where huggingface_hub locks a blob's download. */
  public Path lock(HubModelId id, String etag) {
    return root.resolve(".locks").resolve(id.cacheFolderName()).resolve(etag + ".lock");
  }

  /**
   * Points {@code snapshots/<commit>/<file>} at its blob with a relative symlink (huggingface_hub's
   * choice: the cache can move). The link is made under a temporary name and renamed into place,
   * so processes linking the same file at once each leave a complete link.
   */
  public Path link(HubModelId id, String commit, String file, String etag) {
    Path pointer = snapshot(id, commit).resolve(file);
    Path temporary = pointer.resolveSibling(pointer.getFileName() + "." + UUID.randomUUID() + ".link");
    try {
      Files.createDirectories(pointer.getParent());
      Files.createSymbolicLink(temporary, pointer.getParent().relativize(blob(id, etag)));
      Files.move(temporary, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return pointer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link " + pointer + " to its blob " + etag, e);
    }
  }

  /**
   * What a snapshot file's blob name says about its content: {@code sha256:<hex>} for an LFS
   * file, {@code git-sha1:<hex>} for a file stored in git, null when it is not a link to a blob.
   */
  public static String digestOf(Path snapshotFile) {
    if (!Files.isSymbolicLink(snapshotFile)) {
      return null;
    }
    try {
      String etag = Files.readSymbolicLink(snapshotFile).getFileName().toString();
      return SHA256.matcher(etag).matches() ? "sha256:" + etag : SHA1.matcher(etag).matches() ? "git-sha1:" + etag : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the link " + snapshotFile, e);
    }
  }

  @Override
  public String toString() {
    return "hub cache " + root;
  }
}
