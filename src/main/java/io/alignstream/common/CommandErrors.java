package io.alignstream.common;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * How every command reports a failure: one line on stderr saying what went wrong, and an exit
 * code, instead of a stack trace. Input that cannot be used (IllegalArgumentException: a
 * malformed file, a bad value) exits with 2, as picocli's usage errors do; anything else (the
 * cluster unreachable, a write failed) with 1. {@code ALIGNSTREAM_DEBUG=1} adds the stack trace.
 */
public final class CommandErrors implements IExecutionExceptionHandler {

  public static final int BAD_INPUT = 2;
  public static final int FAILED = 1;

  @Override
  public int handleExecutionException(Exception e, CommandLine command, ParseResult parseResult) {
    return report(e, command.getErr());
  }

  /**
   * Prints the one line (and the stack trace under ALIGNSTREAM_DEBUG=1) and returns the exit
   * code; also used for failures before a command runs, such as an unreadable {@code --config}.
   */
  public static int report(Exception e, PrintWriter err) {
    err.println("error: " + describe(e));
    if ("1".equals(System.getenv("ALIGNSTREAM_DEBUG"))) {
      e.printStackTrace(err);
    }
    err.flush();
    return e instanceof IllegalArgumentException ? BAD_INPUT : FAILED;
  }

  /** The message, with the cause's when it adds something ("cannot create topics: ... (TimeoutException: ...)"). */
  static String describe(Throwable e) {
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    Throwable cause = e.getCause();
    if (cause != null && cause != e && cause.getMessage() != null && !message.contains(cause.getMessage())) {
      message += " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    }
    return message;
  }
}
