package dev.spc.common;

import java.math.BigDecimal;
import java.time.Duration;

/** Parses and prints durations the way operators type them: {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}. */
public final class Durations {
  private Durations() {}

  /**
   * Parses {@code <number><unit>} with unit ms, s, m or h; a bare number is seconds.
   *
   * @throws IllegalArgumentException naming the text when it is not a duration
   */
  public static Duration parse(String text) {
    String s = text.trim();
    String unit;
    String number;
    if (s.endsWith("ms")) {
      unit = "ms";
      number = s.substring(0, s.length() - 2);
    } else if (s.endsWith("s") || s.endsWith("m") || s.endsWith("h") || s.endsWith("d")) {
      unit = s.substring(s.length() - 1);
      number = s.substring(0, s.length() - 1);
    } else {
      unit = "s";
      number = s;
    }
    BigDecimal value;
    try {
      value = new BigDecimal(number.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a duration: '" + text + "' (expected e.g. 500ms, 1.5s, 2m, 1h, 7d)");
    }
    if (value.signum() < 0) {
      throw new IllegalArgumentException("duration must not be negative, got '" + text + "'");
    }
    BigDecimal nanosPerUnit = switch (unit) {
      case "ms" -> BigDecimal.valueOf(1_000_000L);
      case "s" -> BigDecimal.valueOf(1_000_000_000L);
      case "m" -> BigDecimal.valueOf(60_000_000_000L);
      case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
      default -> BigDecimal.valueOf(86_400_000_000_000L);
    };
    BigDecimal nanos = value.multiply(nanosPerUnit);
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("duration too large: '" + text + "'");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** Prints a duration compactly: {@code 250ms}, {@code 1.5s}, {@code 3m}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms % 60_000 == 0 && ms >= 60_000) {
      return (ms / 60_000) + "m";
    }
    BigDecimal s = BigDecimal.valueOf(ms).movePointLeft(3).stripTrailingZeros();
    return s.toPlainString() + "s";
  }
}
