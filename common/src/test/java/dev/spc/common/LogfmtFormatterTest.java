package dev.spc.common;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LogfmtFormatterTest {
  @Test
  void writesKeyValuesAndQuotesWhatNeedsIt() {
    LogRecord r = new LogRecord(Level.INFO, "worker registered");
    r.setLoggerName("dev.spc.coordinator");
    r.setParameters(new Object[] {"worker", "w1", "detail", "a \"b\"\nc"});
    String line = new LogfmtFormatter().format(r);
    assertTrue(line.contains(" level=info component=coordinator msg=\"worker registered\" worker=w1"
        + " detail=\"a \\\"b\\\"\\nc\""), line);
  }
}
