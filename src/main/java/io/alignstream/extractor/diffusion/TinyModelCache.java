package io.alignstream.extractor.diffusion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where {@code --model tiny} lives: the {@link TinyPipeline} folder for a seed, written once
 * into a cache folder ({@code <cache>/tiny-seed<seed>}) and reused by every later process.
 *
 * <p>The folder is written under a temporary name beside its final place and then renamed
 * atomically, so a process never sees half a pipeline, and two processes starting at once both
 * end up using one complete folder (the loser of the rename deletes its own copy).
 */
public final class TinyModelCache {

  private TinyModelCache() {}

  /** The folder name for a seed. */
  public static String folderName(long seed) {
    return "tiny-seed" + seed;
  }

  /** The tiny pipeline for {@code seed} under {@code cacheDir}, written first if absent. */
  public static Path folder(Path cacheDir, long seed) {
    return folder(cacheDir, folderName(seed), seed, TinyPipeline::write);
  }

  /** A built-in pipeline written by {@code writer} into {@code <cacheDir>/<name>} once, as {@link #folder(Path, long)}. */
  public static Path folder(Path cacheDir, String name, long seed, java.util.function.BiConsumer<Path, Long> writer) {
    Path target = cacheDir.resolve(name);
    if (Files.isRegularFile(target.resolve("model_index.json"))) {
      return target;
    }
    Path temp = cacheDir.resolve("." + name + ".tmp-" + UUID.randomUUID());
    try {
      Files.createDirectories(cacheDir);
      writer.accept(temp, seed);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system does not support atomic renames", e);
      } catch (IOException raced) {
        if (!Files.isRegularFile(target.resolve("model_index.json"))) {
          throw raced;
        }
        // another process finished first; its folder is complete (it was renamed into place whole)
        deleteTree(temp);
      }
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new UncheckedIOException("cannot write the tiny pipeline into the model cache " + cacheDir
          + " (choose a writable folder with --model-cache): " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
    if (!Files.isRegularFile(target.resolve("model_index.json"))) {
      throw new IllegalStateException(target + " exists but holds no model_index.json; delete it to have it rewritten");
    }
    return target;
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException ignored) {
      // best effort: a stale temporary folder is harmless
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
