package dev.spc.logging;

import java.io.PrintStream;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * A logger writing logfmt lines: {@code ts=... level=info component=coordinator msg="..." k=v}.
 * Key-value pairs come from SLF4J's fluent API; the component is the part of SPC the logger's
 * name belongs to (see {@link #component}). One level for the whole process ({@link LogSetup}).
 */
final class LogfmtLogger extends LegacyAbstractLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;
  private static volatile java.util.logging.Level level = initialLevel();
  private static volatile PrintStream sink = System.err;

  private final String component;
  /** gRPC's own lines (and its shaded Netty's): info at debug level, else warnings only. */
  private final boolean grpc;
  /** Any other library's lines: warnings only, whatever SPC's level. */
  private final boolean thirdParty;

  LogfmtLogger(String name) {
    this.name = name;
    this.component = component(name);
    this.grpc = name.startsWith("io.grpc.");
    this.thirdParty = !name.startsWith("dev.spc.");
  }

  /** SPC's classes log under the name of their process; anyone else's under their own name. */
  static String component(String loggerName) {
    if (loggerName.startsWith("dev.spc.server.")) {
      return "coordinator";
    } else if (loggerName.startsWith("dev.spc.worker.")) {
      return "agent";
    } else if (loggerName.startsWith("dev.spc.client.")) {
      return "client";
    } else if (loggerName.startsWith("dev.spc.bench.")) {
      return "bench";
    } else if (loggerName.startsWith("dev.spc.")) {
      return "spc";
    }
    return loggerName;
  }

  static void configure(java.util.logging.Level newLevel, PrintStream newSink) {
    level = newLevel;
    sink = newSink;
  }

  static java.util.logging.Level level() {
    return level;
  }

  private static java.util.logging.Level initialLevel() {
    String s = System.getProperty("spc.log.level", System.getenv("SPC_LOG_LEVEL"));
    try {
      return s == null ? java.util.logging.Level.INFO : LogSetup.parseLevel(s);
    } catch (IllegalArgumentException e) {
      return java.util.logging.Level.INFO;
    }
  }

  private static java.util.logging.Level jul(Level l) {
    return switch (l) {
      case ERROR -> java.util.logging.Level.SEVERE;
      case WARN -> java.util.logging.Level.WARNING;
      case INFO -> java.util.logging.Level.INFO;
      case DEBUG -> java.util.logging.Level.FINE;
      case TRACE -> java.util.logging.Level.FINEST;
    };
  }

  /**
   * SPC's lines at the configured level; libraries' (which find SLF4J on the classpath and log
   * through it) as quiet as they were through java.util.logging (see {@link LogSetup}).
   */
  private boolean enabled(Level l) {
    java.util.logging.Level threshold = level;
    if (threshold.equals(java.util.logging.Level.OFF)) {
      return false;
    }
    int at = jul(l).intValue();
    if (thirdParty) {
      boolean debugging = threshold.intValue() <= java.util.logging.Level.FINE.intValue();
      int floor = grpc && debugging ? java.util.logging.Level.INFO.intValue()
          : java.util.logging.Level.WARNING.intValue();
      return at >= Math.max(floor, threshold.intValue());
    }
    return at >= threshold.intValue();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected @Nullable String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level l, @Nullable Marker marker, String pattern,
      Object @Nullable [] args, @Nullable Throwable t) {
    write(l, MessageFormatter.basicArrayFormat(pattern, args), null, t);
  }

  /** The fluent API's events, with their key-value pairs. */
  @Override
  public void log(LoggingEvent e) {
    if (!enabled(e.getLevel())) {
      return;
    }
    List<KeyValuePair> pairs = e.getKeyValuePairs();
    Object @Nullable [] kv = null;
    if (pairs != null && !pairs.isEmpty()) {
      kv = new Object[pairs.size() * 2];
      for (int i = 0; i < pairs.size(); i++) {
        kv[2 * i] = pairs.get(i).key;
        kv[2 * i + 1] = pairs.get(i).value;
      }
    }
    String msg = e.getArgumentArray() == null ? e.getMessage()
        : MessageFormatter.basicArrayFormat(e.getMessage(), e.getArgumentArray());
    write(e.getLevel(), msg, kv, e.getThrowable());
  }

  private void write(Level l, @Nullable String msg, Object @Nullable [] kv, @Nullable Throwable t) {
    String line = LogfmtFormatter.line(System.currentTimeMillis(), jul(l), component, msg, kv, t,
        level.intValue() <= java.util.logging.Level.FINE.intValue());
    PrintStream out = sink;
    synchronized (out) {
      out.print(line);
      out.flush();
    }
  }
}
