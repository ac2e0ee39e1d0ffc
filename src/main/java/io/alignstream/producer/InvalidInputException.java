package io.alignstream.producer;

import java.nio.file.Path;

/**
 * Input the producer cannot use: a malformed line, an index out of range, a missing file, a
 * feature matrix of the wrong shape. The message says where (file and line when there is one),
 * what was expected and what was found; the {@code produce} commands print it and exit non-zero.
 */
public final class InvalidInputException extends IllegalArgumentException {

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** An error at {@code file:line} (line 1-based), formatted as compilers do so editors can jump to it. */
  public static InvalidInputException at(Path file, long line, String message) {
    return new InvalidInputException(file + ":" + line + ": " + message);
  }

  /** An error about a whole file. */
  public static InvalidInputException in(Path file, String message) {
    return new InvalidInputException(file + ": " + message);
  }
}
