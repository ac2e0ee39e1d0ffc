package io.alignstream.extractor.hub;

/**
 * The hub could not deliver a file as it should: unreachable, refused (a gated repository without
 * a token), missing, or delivered bytes whose size or checksum is not what the hub announced.
 */
public final class HubException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public HubException(String message) {
    super(message);
  }

  public HubException(String message, Throwable cause) {
    super(message, cause);
  }
}
