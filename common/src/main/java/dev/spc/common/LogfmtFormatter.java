package dev.spc.common;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** Formats records as one logfmt line each. */
final class LogfmtFormatter extends Formatter {
  @Override
  public String format(LogRecord r) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("ts=").append(Instant.ofEpochMilli(r.getMillis()));
    sb.append(" level=").append(levelName(r.getLevel()));
    String component = r.getLoggerName() != null && r.getLoggerName().startsWith("dev.spc.")
        ? r.getLoggerName().substring("dev.spc.".length())
        : r.getLoggerName();
    sb.append(" component=");
    appendValue(sb, component == null ? "-" : component);
    sb.append(" msg=");
    Object[] params = r.getParameters();
    boolean ours = r.getLoggerName() != null && r.getLoggerName().startsWith("dev.spc.");
    appendValue(sb, ours ? r.getMessage() : formatMessage(r));
    if (ours && params != null) {
      for (int i = 0; i + 1 < params.length; i += 2) {
        sb.append(' ').append(params[i]).append('=');
        appendValue(sb, String.valueOf(params[i + 1]));
      }
    }
    Throwable t = r.getThrown();
    if (t != null) {
      sb.append(" error=");
      appendValue(sb, t.getMessage() == null ? t.getClass().getName()
          : t.getClass().getSimpleName() + ": " + t.getMessage());
    }
    sb.append(System.lineSeparator());
    if (t != null && (r.getLevel().intValue() <= Level.FINE.intValue()
        || java.util.logging.Logger.getLogger("dev.spc").isLoggable(Level.FINE))) {
      StringWriter sw = new StringWriter();
      t.printStackTrace(new PrintWriter(sw));
      sb.append(sw);
    }
    return sb.toString();
  }

  private static String levelName(Level level) {
    if (level.intValue() >= Level.SEVERE.intValue()) {
      return "error";
    } else if (level.intValue() >= Level.WARNING.intValue()) {
      return "warn";
    } else if (level.intValue() >= Level.INFO.intValue()) {
      return "info";
    }
    return "debug";
  }

  static void appendValue(StringBuilder sb, String v) {
    boolean quote = v.isEmpty();
    for (int i = 0; i < v.length() && !quote; i++) {
      char c = v.charAt(i);
      quote = c <= ' ' || c == '"' || c == '=' || c == '\\';
    }
    if (!quote) {
      sb.append(v);
      return;
    }
    sb.append('"');
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < ' ') {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
