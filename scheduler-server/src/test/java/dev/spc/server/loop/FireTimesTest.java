package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fire times of cron and interval schedules, across daylight-saving changes and leap days. */
class FireTimesTest {
  static final ZoneId CPH = ZoneId.of("Europe/Copenhagen");

  static List<String> next(FireTimes t, ZonedDateTime from, int n) {
    List<String> out = new ArrayList<>();
    Instant at = from.toInstant();
    for (int i = 0; i < n; i++) {
      at = t.next(at);
      if (at == null) {
        break;
      }
      out.add(at.atZone(from.getZone()).toOffsetDateTime().toString());
    }
    return out;
  }

  static ZonedDateTime cph(int y, int mo, int d, int h, int mi) {
    return ZonedDateTime.of(y, mo, d, h, mi, 0, 0, CPH);
  }

  @Test
  void aDailyJobAtAWallTimeTheClocksSkip_firesWhenTheChangeHappens_notAWholeDayLater() {
    // 2026-03-29: Copenhagen goes from 02:00 straight to 03:00.
    FireTimes t = FireTimes.cron("s", "30 2 * * *", "Europe/Copenhagen");
    assertEquals(List.of("2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00"),
        next(t, cph(2026, 3, 27, 12, 0), 3));
  }

  @Test
  void anHourlyJob_doesNotFireTwiceAroundTheSkippedHour() {
    FireTimes t = FireTimes.cron("s", "30 * * * *", "Europe/Copenhagen");
    assertEquals(List.of("2026-03-29T01:30+01:00", "2026-03-29T03:30+02:00", "2026-03-29T04:30+02:00"),
        next(t, cph(2026, 3, 29, 1, 0), 3));
  }

  @Test
  void aDailyJobAtAWallTimeThatHappensTwice_firesOnce() {
    // 2026-10-25: Copenhagen goes from 03:00 back to 02:00.
    FireTimes t = FireTimes.cron("s", "30 2 * * *", "Europe/Copenhagen");
    assertEquals(List.of("2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"),
        next(t, cph(2026, 10, 23, 12, 0), 3));
  }

  @Test
  void aJobEveryHalfHour_firesAtEveryRealHalfHourWhileTheClocksGoBack() {
    FireTimes t = FireTimes.cron("s", "*/30 * * * *", "Europe/Copenhagen");
    assertEquals(List.of("2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00", "2026-10-25T02:00+01:00",
        "2026-10-25T02:30+01:00", "2026-10-25T03:00+01:00"), next(t, cph(2026, 10, 25, 1, 45), 5));
  }

  @Test
  void theTimeZoneDecidesTheInstant_andUtcIsTheDefault() {
    Instant from = Instant.parse("2026-06-01T00:00:00Z");
    assertEquals(Instant.parse("2026-06-01T07:00:00Z"),
        FireTimes.cron("s", "0 9 * * *", "Europe/Copenhagen").next(from));
    assertEquals(Instant.parse("2026-06-01T09:00:00Z"), FireTimes.cron("s", "0 9 * * *", "").next(from));
  }

  @Test
  void february29th_firesInLeapYearsOnly() {
    FireTimes t = FireTimes.cron("s", "0 12 29 2 *", "UTC");
    assertEquals(List.of("2028-02-29T12:00Z", "2032-02-29T12:00Z"),
        next(t, ZonedDateTime.of(2026, 3, 1, 0, 0, 0, 0, ZoneId.of("UTC")), 2));
    assertEquals(Instant.parse("2028-02-29T12:00:00Z"), t.previous(Instant.parse("2031-01-01T00:00:00Z"),
        Instant.EPOCH));
  }

  @Test
  void sixFields_countSecondsFirst() {
    FireTimes t = FireTimes.cron("s", "*/10 * * * * *", "");
    assertEquals(Instant.parse("2026-01-01T00:00:10Z"), t.next(Instant.parse("2026-01-01T00:00:00Z")));
    FireTimes sundays = FireTimes.cron("s", "0 0 12 * * 0", "");
    assertEquals(Instant.parse("2026-01-04T12:00:00Z"), sundays.next(Instant.parse("2026-01-01T00:00:00Z")),
        "0 is Sunday, as in five-field cron");
  }

  @Test
  void anInterval_countsFromItsAnchor_andWalksBack() {
    Instant anchor = Instant.parse("2026-01-01T00:00:00.250Z");
    FireTimes t = FireTimes.interval("s", Duration.ofSeconds(1), anchor);
    assertEquals(Instant.parse("2026-01-01T00:00:01.250Z"), t.next(anchor));
    assertEquals(Instant.parse("2026-01-01T00:00:06.250Z"), t.next(Instant.parse("2026-01-01T00:00:05.300Z")));
    assertEquals(Instant.parse("2026-01-01T00:00:06.250Z"), t.next(Instant.parse("2026-01-01T00:00:05.250Z")),
        "strictly after");
    assertEquals(Instant.parse("2026-01-01T00:00:05.250Z"),
        t.previous(Instant.parse("2026-01-01T00:00:05.250Z"), anchor), "at or before");
    assertNull(t.previous(Instant.parse("2026-01-01T00:00:05.250Z"), Instant.parse("2026-01-01T00:00:05.250Z")),
        "strictly after the lower bound");
  }

  @Test
  void badExpressions_areRefusedNamingTheField() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FireTimes.cron("schedule", "* * *", ""))
        .getMessage().startsWith("schedule.cron must have 5 fields"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FireTimes.cron("schedule", "61 * * * *", ""))
        .getMessage().startsWith("schedule.cron '61 * * * *' is not valid"));
    assertEquals("schedule.cron '0 0 30 2 *' never fires", assertThrows(IllegalArgumentException.class,
        () -> FireTimes.cron("schedule", "0 0 30 2 *", "")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FireTimes.cron("schedule", "* * * * *",
        "Mars/Olympus")).getMessage().startsWith("schedule.time_zone 'Mars/Olympus' is not a known IANA"));
    assertEquals("schedule.interval must be between 1s and 366d, got 500ms", assertThrows(
        IllegalArgumentException.class, () -> FireTimes.interval("schedule", Duration.ofMillis(500),
            Instant.EPOCH)).getMessage());
  }
}
