package dev.spc.logging;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Process-wide log configuration: SPC's lines at the chosen level, and java.util.logging (gRPC,
 * Netty) routed to the same logfmt sink at WARNING so that the happy path stays quiet.
 */
public final class LogSetup {
  // java.util.logging holds loggers weakly: keep the configured ones alive, or their levels go.
  private static final Logger GRPC = Logger.getLogger("io.grpc");

  private LogSetup() {}

  /** Configures logging from {@code SPC_LOG_LEVEL} (debug, info, warn, error; default info). */
  public static void fromEnvironment() {
    configure(parseLevel(System.getenv().getOrDefault("SPC_LOG_LEVEL", "info")));
  }

  /** Parses debug/info/warn/error/off (any case). */
  public static Level parseLevel(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "debug", "trace", "fine" -> Level.FINE;
      case "info" -> Level.INFO;
      case "warn", "warning" -> Level.WARNING;
      case "error", "severe" -> Level.SEVERE;
      case "off", "none" -> Level.OFF;
      default -> throw new IllegalArgumentException(
          "log level must be one of debug, info, warn, error, off; got '" + name + "'");
    };
  }

  /** SPC logging at {@code level} on stderr. */
  public static void configure(Level level) {
    configure(level, System.err);
  }

  static void configure(Level level, PrintStream out) {
    LogfmtLogger.configure(level, out);
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (!isLoggable(r)) {
          return;
        }
        String component = r.getLoggerName() == null ? "-" : r.getLoggerName();
        String msg = r.getMessage();
        try {
          msg = new java.util.logging.SimpleFormatter().formatMessage(r);
        } catch (RuntimeException e) {
          // keep the raw message
        }
        String line = LogfmtFormatter.line(r.getMillis(), r.getLevel(), component, msg, null,
            r.getThrown(), LogfmtLogger.level().intValue() <= Level.FINE.intValue());
        synchronized (out) {
          out.print(line);
          out.flush();
        }
      }

      @Override
      public void flush() {
        out.flush();
      }

      @Override
      public void close() {
        out.flush();
      }
    };
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.WARNING);
    GRPC.setLevel(level.intValue() < Level.INFO.intValue() ? Level.INFO : Level.WARNING);
  }
}
