package dev.spc.server.loop;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import org.jspecify.annotations.Nullable;

/**
 * When a schedule fires: a cron expression in a time zone (cron-utils does the calendar), or a
 * fixed interval from an anchor. Immutable.
 *
 * <p>Daylight-saving changes: a wall time that happens twice (the clocks go back) fires once, at
 * its first occurrence, for a schedule that fires at chosen hours; one that fires every hour (or
 * more often) fires at every real instant that matches. A wall time that does not exist (the
 * clocks go forward) fires at the instant the change happens (a daily 02:30 fires at 03:00 on
 * that day), unless the schedule fires at the same point of the hour after the gap anyway (an
 * hourly job does not fire twice). This is what cron daemons do (Vixie cron's rule for jobs at
 * chosen times), rather than silently dropping the day.
 */
final class FireTimes {
  private static final CronParser FIVE =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SIX = new CronParser(sixFields());
  /** Intervals from one second to a year. */
  static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  static final Duration MAX_INTERVAL = Duration.ofDays(366);

  private final @Nullable ExecutionTime cron;
  private final ZoneId zone;
  private final Duration interval;
  private final Instant anchor;

  private FireTimes(@Nullable ExecutionTime cron, ZoneId zone, Duration interval, Instant anchor) {
    this.cron = cron;
    this.zone = zone;
    this.interval = interval;
    this.anchor = anchor;
  }

  /** Seconds, minutes, hours, day of month, month, day of week: cron's fields with seconds first. */
  private static CronDefinition sixFields() {
    return CronDefinitionBuilder.defineCron()
        .withSeconds().and()
        .withMinutes().and()
        .withHours().and()
        .withDayOfMonth().supportsL().supportsW().supportsLW().supportsQuestionMark().and()
        .withMonth().and()
        .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0)
        .supportsHash().supportsL().supportsQuestionMark().and()
        .instance();
  }

  /**
   * A cron schedule. Throws {@link IllegalArgumentException} naming the field ({@code field +
   * ".cron"}, {@code field + ".time_zone"}) and what is wrong.
   */
  static FireTimes cron(String field, String expression, String timeZone) {
    ZoneId zone = zone(field, timeZone);
    String expr = expression.trim();
    int fields = expr.isEmpty() ? 0 : expr.split("\\s+").length;
    if (fields != 5 && fields != 6) {
      throw new IllegalArgumentException(field + ".cron must have 5 fields (minute hour"
          + " day-of-month month day-of-week) or 6 (seconds first), got " + fields + ": '"
          + SpecValidator.shorten(expression) + "'");
    }
    Cron c;
    try {
      c = (fields == 5 ? FIVE : SIX).parse(expr);
      c.validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ".cron '" + SpecValidator.shorten(expression)
          + "' is not valid: " + e.getMessage(), e);
    }
    FireTimes t = new FireTimes(ExecutionTime.forCron(c), zone, Duration.ZERO, Instant.EPOCH);
    Instant probe = Instant.parse("2000-01-01T00:00:00Z");
    if (t.next(probe) == null) {
      throw new IllegalArgumentException(field + ".cron '" + SpecValidator.shorten(expression)
          + "' never fires");
    }
    return t;
  }

  /** Fires at {@code anchor + k * interval}, k = 1, 2, ... */
  static FireTimes interval(String field, Duration interval, Instant anchor) {
    if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
      throw new IllegalArgumentException(field + ".interval must be between 1s and 366d, got "
          + dev.spc.common.Durations.format(interval));
    }
    return new FireTimes(null, ZoneOffset.UTC, interval, anchor);
  }

  static ZoneId zone(String field, String timeZone) {
    if (timeZone.isEmpty()) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(field + ".time_zone '" + SpecValidator.shorten(timeZone)
          + "' is not a known IANA time zone (like Europe/Copenhagen or UTC)", e);
    }
  }

  /** Where an interval counts from. */
  Instant anchor() {
    return anchor;
  }

  /** The first fire time strictly after {@code after}, or null if there is none. */
  @Nullable Instant next(Instant after) {
    ExecutionTime c = cron;
    if (c == null) {
      if (after.isBefore(anchor)) {
        return anchor.plus(interval);
      }
      long n = Duration.between(anchor, after).dividedBy(interval) + 1;
      return anchor.plus(interval.multipliedBy(n));
    }
    Instant plain = c.nextExecution(after.atZone(zone)).map(ZonedDateTime::toInstant).orElse(null);
    ZoneRules rules = zone.getRules();
    for (ZoneOffsetTransition tr = rules.nextTransition(after);
        tr != null && (plain == null || tr.getInstant().isBefore(plain));
        tr = rules.nextTransition(tr.getInstant())) {
      if (tr.isGap() && firesInGap(c, tr)) {
        return tr.getInstant();
      }
      if (plain == null && tr.getInstant().isAfter(after.plus(Duration.ofDays(366 * 30)))) {
        break; // no rule makes a cron that never fires fire
      }
    }
    return plain;
  }

  /**
   * The latest fire time at or before {@code atOrBefore} and strictly after {@code after}, or null:
   * for catching up on missed fires, walking back.
   */
  @Nullable Instant previous(Instant atOrBefore, Instant after) {
    Instant p;
    ExecutionTime c = cron;
    if (c == null) {
      if (!atOrBefore.isAfter(anchor)) {
        return null;
      }
      long n = Duration.between(anchor, atOrBefore).dividedBy(interval);
      p = anchor.plus(interval.multipliedBy(n));
    } else {
      // lastExecution is strictly before: ask from just after the bound.
      p = c.lastExecution(atOrBefore.plusNanos(1).atZone(zone)).map(ZonedDateTime::toInstant).orElse(null);
    }
    return p == null || !p.isAfter(after) || p.isAfter(atOrBefore) ? null : p;
  }

  /**
   * Whether the cron matches a wall time inside this spring-forward gap and is not one that fires
   * at the same point of the hour right after the gap anyway.
   */
  private static boolean firesInGap(ExecutionTime c, ZoneOffsetTransition tr) {
    LocalDateTime gapStart = tr.getDateTimeBefore();
    LocalDateTime gapEnd = tr.getDateTimeAfter();
    // In a fixed offset there is no gap: the wall times inside it can be asked about.
    ZoneOffset fixed = tr.getOffsetBefore();
    ZonedDateTime m = c.nextExecution(gapStart.minusNanos(1).atZone(fixed)).orElse(null);
    if (m == null || !m.toLocalDateTime().isBefore(gapEnd)) {
      return false;
    }
    Duration gap = tr.getDuration();
    return !c.isMatch(m.toLocalDateTime().plus(gap).atZone(tr.getOffsetAfter()));
  }
}
