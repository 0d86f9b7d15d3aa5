package dev.spc.common;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Structured logging in logfmt ({@code ts=... level=info component=coordinator msg="..." key=value}),
 * on top of java.util.logging so that gRPC's own records land in the same stream and format.
 *
 * <p>Key/value pairs are passed as alternating arguments: {@code log.info("worker registered",
 * "worker", name, "slots", slots)}. A throwable passed to {@link #warn}/{@link #error} is printed as
 * its class and message; its stack trace only when the level is {@code debug}.
 */
public final class Log {
  private final Logger logger;
  private final String component;

  private Log(String component) {
    this.component = component;
    this.logger = Logger.getLogger("dev.spc." + component);
  }

  /** A logger for one component ("coordinator", "agent", ...). */
  public static Log get(String component) {
    return new Log(component);
  }

  public boolean isDebug() {
    return logger.isLoggable(Level.FINE);
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

  private void log(Level level, String msg, Throwable t, Object[] kv) {
    if (!logger.isLoggable(level)) {
      return;
    }
    LogRecord r = new LogRecord(level, msg);
    r.setLoggerName(logger.getName());
    r.setParameters(kv);
    r.setThrown(t);
    r.setSourceClassName(component);
    logger.log(r);
  }
}
