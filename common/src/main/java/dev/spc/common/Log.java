package dev.spc.common;

import java.io.PrintStream;
import java.util.logging.Level;

/**
 * Structured logging in logfmt: {@code ts=... level=info component=coordinator msg="..." key=value}.
 *
 * <p>Key/value pairs are passed as alternating arguments: {@code log.info("worker registered",
 * "worker", name, "slots", slots)}. A throwable is printed as its class and message; its stack
 * trace only at debug level.
 *
 * <p>SPC's own lines go straight to the sink (stderr by default), not through
 * java.util.logging, whose shutdown hook would silence what is logged while the process stops.
 * Third-party records (gRPC) reach the same sink through {@link LogSetup}.
 */
public final class Log {
  private static volatile Level level = initialLevel();
  private static volatile PrintStream sink = System.err;

  private final String component;

  private Log(String component) {
    this.component = component;
  }

  /** A logger for one component ("coordinator", "agent", ...). */
  public static Log get(String component) {
    return new Log(component);
  }

  static void configure(Level newLevel, PrintStream newSink) {
    level = newLevel;
    sink = newSink;
  }

  static Level level() {
    return level;
  }

  private static Level initialLevel() {
    String s = System.getProperty("spc.log.level", System.getenv("SPC_LOG_LEVEL"));
    try {
      return s == null ? Level.INFO : LogSetup.parseLevel(s);
    } catch (IllegalArgumentException e) {
      return Level.INFO;
    }
  }

  public boolean isDebug() {
    return enabled(Level.FINE);
  }

  public void debug(String msg, Object... kv) {
    log(Level.FINE, msg, null, kv);
  }

  public void info(String msg, Object... kv) {
    log(Level.INFO, msg, null, kv);
  }

  public void warn(String msg, Object... kv) {
    log(Level.WARNING, msg, null, kv);
  }

  public void warn(String msg, Throwable t, Object... kv) {
    log(Level.WARNING, msg, t, kv);
  }

  public void error(String msg, Throwable t, Object... kv) {
    log(Level.SEVERE, msg, t, kv);
  }

  private static boolean enabled(Level l) {
    return l.intValue() >= level.intValue() && level != Level.OFF;
  }

  private void log(Level l, String msg, Throwable t, Object[] kv) {
    if (!enabled(l)) {
      return;
    }
    String line = LogfmtFormatter.line(System.currentTimeMillis(), l, component, msg, kv, t,
        enabled(Level.FINE));
    PrintStream out = sink;
    synchronized (out) {
      out.print(line);
      out.flush();
    }
  }
}
