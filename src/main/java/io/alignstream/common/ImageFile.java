package io.alignstream.common;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image file as a command reads it ({@code features --image}, {@code reconstruct --image}):
 * decoded within the default {@link InputLimits}, with the SHA-256 of its bytes.
 */
public record ImageFile(Path path, BufferedImage image, String sha256) {

  /**
   * Reads every file, in order.
   *
   * @throws IllegalArgumentException naming the first file that is missing or not a readable image
   */
  public static List<ImageFile> readAll(List<Path> files) {
    List<ImageFile> images = new ArrayList<>();
    for (Path p : files) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException("image not found: " + p.toAbsolutePath().normalize());
      }
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(p);
      } catch (IOException e) {
        throw new IllegalArgumentException("image " + p + " cannot be read: " + e.getMessage(), e);
      }
      images.add(new ImageFile(p, InputLimits.defaults().decode(bytes, "image " + p), Digests.sha256Hex(bytes)));
    }
    return images;
  }

  /** The file name without folder and extension, e.g. "aardvark" for things/aardvark.png. */
  public String stem() {
    String name = path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
