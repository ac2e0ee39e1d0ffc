package io.alignstream.producer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an item's encoded image comes from. Images of a large dataset stay on disk until they
 * are published, so a THINGS folder of thousands of JPEGs never has to fit in memory at once.
 */
public interface ImageSource {

  /** The encoded image file (PNG or JPEG). */
  byte[] read();

  static ImageSource ofBytes(byte[] bytes) {
    return new InMemory(bytes);
  }

  static ImageSource ofFile(Path file) {
    return new OnDisk(file);
  }

  /** An image already encoded in memory (the synthetic set renders its PNGs up front). */
  record InMemory(byte[] bytes) implements ImageSource {
    public InMemory {
      bytes = bytes.clone();
    }

    @Override
    public byte[] read() {
      return bytes.clone();
    }
  }

  /** An image file read when it is published. */
  record OnDisk(Path file) implements ImageSource {
    @Override
    public byte[] read() {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new InvalidInputException("cannot read image " + file + ": " + e.getMessage(), e);
      }
    }
  }
}
