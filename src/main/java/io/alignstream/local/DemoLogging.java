package io.alignstream.local;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the demo's logs to a file: a dozen clients and an embedded broker share one process,
 * and their warnings would otherwise tear through the live table on the terminal.
 */
final class DemoLogging implements AutoCloseable {

  private final ch.qos.logback.classic.Logger root;
  private final List<Appender<ILoggingEvent>> previous;
  private final FileAppender<ILoggingEvent> file;

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

  /**
   * A log file of this run's own in {@code dir}, {@code alignstream-demo-<date>-<time>-<pid>.log}: two
   * demos at once, or one after another, never write into or over each other's log.
   */
  static Path fileForThisRun(Path dir) {
    return dir.resolve("alignstream-demo-" + LocalDateTime.now().format(STAMP) + "-" + ProcessHandle.current().pid()
        + ".log");
  }

  private DemoLogging(ch.qos.logback.classic.Logger root, List<Appender<ILoggingEvent>> previous,
      FileAppender<ILoggingEvent> file) {
    this.root = root;
    this.previous = previous;
    this.file = file;
  }

  /** Logs go to {@code file} until {@link #close()} puts the previous appenders back. */
  static DemoLogging toFile(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return new DemoLogging(null, List.of(), null); // another slf4j binding: leave it alone
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName("demo-file");
    appender.setFile(file.toString());
    appender.setAppend(false);
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    List<Appender<ILoggingEvent>> previous = new ArrayList<>();
    root.iteratorForAppenders().forEachRemaining(previous::add);
    previous.forEach(root::detachAppender);
    root.addAppender(appender);
    return new DemoLogging(root, previous, appender);
  }

  @Override
  public void close() {
    if (root == null) {
      return;
    }
    root.detachAppender(file);
    file.stop();
    previous.forEach(root::addAppender);
  }
}
