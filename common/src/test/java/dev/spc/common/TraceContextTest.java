package dev.spc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which traceparents are kept, as the W3C recommendation reads them. */
class TraceContextTest {
  static final String GOOD = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void versionZeroWithNonZeroIds_isValid_andLaterVersionsMayAddFields() {
    assertTrue(TraceContext.valid(GOOD));
    assertTrue(TraceContext.valid("01" + GOOD.substring(2) + "-extra"));
    assertFalse(TraceContext.valid(GOOD + "-extra"), "version 00 has exactly four fields");
    assertFalse(TraceContext.valid("ff" + GOOD.substring(2)));
    assertFalse(TraceContext.valid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
    assertFalse(TraceContext.valid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
    assertFalse(TraceContext.valid(GOOD.toUpperCase(java.util.Locale.ROOT)));
    assertFalse(TraceContext.valid("garbage"));
    assertFalse(TraceContext.valid(null));
  }

  @Test
  void check_namesTheField() {
    assertNull(TraceContext.check("job", GOOD, "k=v"));
    assertEquals("job.tracestate needs a traceparent", TraceContext.check("job", "", "k=v"));
    assertTrue(TraceContext.check("jobs[2]", "00-x", "").startsWith("jobs[2].traceparent must be a W3C traceparent"));
    assertEquals("job.tracestate is 513 characters, limit 512", TraceContext.check("job", GOOD, "x".repeat(513)));
  }
}
