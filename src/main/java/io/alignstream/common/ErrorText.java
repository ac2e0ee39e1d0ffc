package io.alignstream.common;

/**
 * The one way a failure becomes text, for command errors, dead-letter reasons, 503 answers and
 * analysis failures: the message, or the exception's class where it has none (a
 * {@code ConnectException} or a {@code NullPointerException} often does not, and "null" says
 * nothing), followed by each cause's message that the text does not already contain.
 */
public final class ErrorText {

  private ErrorText() {}

  public static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    for (Throwable cause = e.getCause(); cause != null && cause != e; cause = cause.getCause()) {
      if (cause.getMessage() != null && text.indexOf(cause.getMessage()) < 0) {
        text.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
      }
    }
    return text.toString();
  }
}
