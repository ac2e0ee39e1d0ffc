package io.alignstream.common.registry;

/**
 * A registry error with the Confluent API's error code, e.g. 40401 subject not found,
 * 40402 version not found, 40403 schema not found, 409 incompatible schema, 42201 invalid
 * schema, 42202 invalid version, 42203 invalid compatibility level, 50001 backend store error.
 */
public final class SchemaRegistryException extends RuntimeException {

  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INVALID_VERSION = 42202;
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  public static final int STORE_ERROR = 50001;

  private final int errorCode;
  private final int httpStatus;

  public SchemaRegistryException(int errorCode, String message) {
    this(errorCode, statusOf(errorCode), message, null);
  }

  public SchemaRegistryException(int errorCode, int httpStatus, String message, Throwable cause) {
    super(message + " (error " + errorCode + ")", cause);
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
  }

  public int errorCode() {
    return errorCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The message as the REST API reports it, without the error-code suffix. */
  public String apiMessage() {
    String message = getMessage();
    return message.substring(0, message.lastIndexOf(" (error "));
  }

  /** Confluent's error codes start with the HTTP status: 40401 -> 404, 42201 -> 422, 409 -> 409. */
  static int statusOf(int errorCode) {
    return errorCode >= 10000 ? errorCode / 100 : errorCode;
  }
}
