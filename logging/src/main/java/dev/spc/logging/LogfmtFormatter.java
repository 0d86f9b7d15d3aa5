package dev.spc.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.logging.Level;
import org.jspecify.annotations.Nullable;

/** One logfmt line per record. */
final class LogfmtFormatter {
  private LogfmtFormatter() {}

  static String line(long millis, Level level, String component, @Nullable String msg,
      Object @Nullable [] kv, @Nullable Throwable t, boolean stackTraces) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("ts=").append(Instant.ofEpochMilli(millis));
    sb.append(" level=").append(levelName(level));
    sb.append(" component=");
    appendValue(sb, component);
    sb.append(" msg=");
    appendValue(sb, msg == null ? "" : msg);
    if (kv != null) {
      for (int i = 0; i + 1 < kv.length; i += 2) {
        sb.append(' ').append(kv[i]).append('=');
        appendValue(sb, String.valueOf(kv[i + 1]));
      }
    }
    if (t != null) {
      sb.append(" error=");
      appendValue(sb, t.getMessage() == null ? t.getClass().getName()
          : t.getClass().getSimpleName() + ": " + t.getMessage());
    }
    sb.append(System.lineSeparator());
    if (t != null && stackTraces) {
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
