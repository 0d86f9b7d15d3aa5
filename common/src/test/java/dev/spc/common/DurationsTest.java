package dev.spc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEveryUnitAndFractions() {
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
    assertEquals(Duration.ofSeconds(3), Durations.parse("3"));
    assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
    assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    assertEquals(Duration.ofDays(7), Durations.parse("7d"));
  }

  @Test
  void refusesGarbageAndNegativesNamingTheText() {
    var e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
    assertEquals("not a duration: 'soon' (expected e.g. 500ms, 1.5s, 2m, 1h, 7d)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("-1s"));
  }

  @Test
  void formatsCompactly() {
    assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
    assertEquals("1.5s", Durations.format(Duration.ofMillis(1500)));
    assertEquals("3m", Durations.format(Duration.ofMinutes(3)));
  }
}
