package dev.spc.common;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Structured logging through SLF4J, so that an application embedding SPC's libraries routes and
 * formats their lines with its own configuration: a message and key-value pairs, passed as
 * alternating arguments ({@code log.info("worker registered", "worker", name, "slots", slots)}),
 * sent with SLF4J's fluent API as key-value pairs. Name the job and the worker in every line
 * about one ("job", "worker").
 *
 * <p>The spc command line binds a backend that writes logfmt lines on stderr (spc-logging).
 */
public final class Log {
  private final Logger logger;

  private Log(Logger logger) {
    this.logger = logger;
  }

  /** The logger of a class. */
  public static Log get(Class<?> owner) {
    return new Log(LoggerFactory.getLogger(owner));
  }

  public boolean isDebug() {
    return logger.isDebugEnabled();
  }

  public void debug(String msg, Object... kv) {
    if (logger.isDebugEnabled()) {
      log(logger.atDebug(), msg, null, kv);
    }
  }

  public void info(String msg, Object... kv) {
    if (logger.isInfoEnabled()) {
      log(logger.atInfo(), msg, null, kv);
    }
  }

  public void warn(String msg, Object... kv) {
    if (logger.isWarnEnabled()) {
      log(logger.atWarn(), msg, null, kv);
    }
  }

  public void warn(String msg, Throwable t, Object... kv) {
    if (logger.isWarnEnabled()) {
      log(logger.atWarn(), msg, t, kv);
    }
  }

  public void error(String msg, Throwable t, Object... kv) {
    if (logger.isErrorEnabled()) {
      log(logger.atError(), msg, t, kv);
    }
  }

  private static void log(LoggingEventBuilder b, String msg, @Nullable Throwable t, Object[] kv) {
    LoggingEventBuilder e = b.setMessage(msg);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      e = e.addKeyValue(String.valueOf(kv[i]), kv[i + 1]);
    }
    if (t != null) {
      e = e.setCause(t);
    }
    e.log();
  }
}
