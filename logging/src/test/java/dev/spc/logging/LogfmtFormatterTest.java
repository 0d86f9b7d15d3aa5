package dev.spc.logging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class LogfmtFormatterTest {
  @Test
  void writesKeyValuesAndQuotesWhatNeedsIt() {
    String line = LogfmtFormatter.line(0, Level.INFO, "coordinator", "worker registered",
        new Object[] {"worker", "w1", "detail", "a \"b\"\nc"}, null, false);
    assertTrue(line.startsWith("ts=1970-01-01T00:00:00Z level=info component=coordinator"
        + " msg=\"worker registered\" worker=w1 detail=\"a \\\"b\\\"\\nc\""), line);
  }

  @Test
  void throwablesAreOneLineUnlessDebugging() {
    String line = LogfmtFormatter.line(0, Level.WARNING, "agent", "boom", null,
        new IllegalStateException("bad"), false);
    assertTrue(line.endsWith("error=\"IllegalStateException: bad\"" + System.lineSeparator()), line);
  }
}
