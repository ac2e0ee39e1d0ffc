package io.alignstream;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One command line run in-process, as {@code java -jar alignstream.jar ARGS} runs it, with its exit
 * code and what it printed on stdout and stderr: the runner the command-line tests share.
 */
public record CommandRun(int code, String out, String err) {

  public static CommandRun run(String... args) {
    CommandLine cli = Alignstream.commandLine(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CommandRun(code, out.toString(), err.toString());
  }
}
