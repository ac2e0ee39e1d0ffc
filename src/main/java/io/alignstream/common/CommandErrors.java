package io.alignstream.common;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every command reports a failure: one line on stderr saying what went wrong, and an exit
 * code, instead of a stack trace. Input that cannot be used (IllegalArgumentException: a
 * malformed file, a bad value) exits with 2, as picocli's usage errors do; anything else (the
 * cluster unreachable, a write failed) with 1. {@code ALIGNSTREAM_DEBUG=1} adds the stack trace.
 */
public final class CommandErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {

  public static final int BAD_INPUT = 2;
  public static final int FAILED = 1;

  @Override
  public int handleExecutionException(Exception e, CommandLine command, ParseResult parseResult) {
    return report(e, command.getErr());
  }

  /**
   * A command line that does not parse, or an option a command rejects before it starts: one line
   * with the fix where picocli knows one ("did you mean"), and where that command's usage is.
   */
  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    err.println("error: " + parseMessage(e) + " (" + name + " --help shows the usage)");
    if ("1".equals(System.getenv("ALIGNSTREAM_DEBUG"))) {
      e.printStackTrace(err);
    }
    err.flush();
    return BAD_INPUT;
  }

  /** picocli's message on one line; an unknown command or option named with the nearest known ones. */
  static String parseMessage(ParameterException e) {
    if (!(e instanceof UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
      return e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip();
    }
    String token = unmatched.getUnmatched().get(0);
    boolean hasSubcommands = !e.getCommandLine().getSubcommands().isEmpty();
    String what = token.startsWith("-") ? "unknown option '" + token + "'"
        : hasSubcommands ? "unknown command '" + token + "'" : "unexpected argument '" + token + "'";
    List<String> suggestions = unmatched.getSuggestions().stream()
        .map(s -> s.substring(s.lastIndexOf(' ') + 1)).distinct().limit(3).toList();
    if (suggestions.isEmpty()) {
      return what;
    }
    String last = suggestions.get(suggestions.size() - 1);
    String choices = suggestions.size() == 1 ? last
        : String.join(", ", suggestions.subList(0, suggestions.size() - 1)) + " or " + last;
    return what + "; did you mean " + choices + "?";
  }

  /**
   * Prints the one line (and the stack trace under ALIGNSTREAM_DEBUG=1) and returns the exit
   * code; also used for failures before a command runs, such as an unreadable {@code --config}.
   */
  public static int report(Exception e, PrintWriter err) {
    err.println("error: " + ErrorText.describe(e));
    if ("1".equals(System.getenv("ALIGNSTREAM_DEBUG"))) {
      e.printStackTrace(err);
    }
    err.flush();
    return e instanceof IllegalArgumentException ? BAD_INPUT : FAILED;
  }
}
