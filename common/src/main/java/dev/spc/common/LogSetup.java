package dev.spc.common;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Process-wide log configuration: one logfmt handler on stderr, SPC at the chosen level,
 * gRPC and Netty at WARNING so the happy path stays quiet.
 */
public final class LogSetup {
  private LogSetup() {}

  /**
   * Configures logging from {@code SPC_LOG_LEVEL} (debug, info, warn, error; default info).
   */
  public static void fromEnvironment() {
    String level = System.getenv().getOrDefault("SPC_LOG_LEVEL", "info");
    configure(parseLevel(level));
  }

  /** Parses debug/info/warn/error (any case). */
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

  /** Installs the logfmt handler on stderr with SPC logging at {@code level}. */
  public static void configure(Level level) {
    configure(level, System.err);
  }

  static void configure(Level level, PrintStream out) {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler = new ConsoleHandler() {
      {
        setOutputStream(out);
      }
    };
    handler.setFormatter(new LogfmtFormatter());
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.WARNING);
    Logger.getLogger("dev.spc").setLevel(level);
    Level quiet = level.intValue() < Level.INFO.intValue() ? Level.INFO : Level.WARNING;
    Logger.getLogger("io.grpc").setLevel(quiet);
    Logger.getLogger("io.grpc.netty.shaded").setLevel(Level.WARNING);
  }
}
