package dev.spc.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.spc.proto.JobUpdate;
import org.junit.jupiter.api.Test;

class UpdateBufferTest {
  @Test
  void linesBeyondTheBurstAreCounted_andTheRateRefillsWithTime() {
    UpdateBuffer b = new UpdateBuffer(5);
    long t = 1_000_000_000L;
    for (int i = 0; i < 250; i++) {
      b.log("line " + i, t);
    }
    JobUpdate u = b.take();
    assertEquals(5, u.getLeaseId());
    assertEquals(200, u.getLogLinesCount(), "a burst of 200");
    assertEquals(50, u.getDroppedLines());
    t += 100_000_000L; // 100 ms: 10 more at 100 a second
    for (int i = 0; i < 20; i++) {
      b.log("more", t);
    }
    JobUpdate v = b.take();
    assertEquals(10, v.getLogLinesCount());
    assertEquals(10, v.getDroppedLines());
    assertNull(b.take(), "nothing new");
  }

  @Test
  void aProcesssLines_goOutByStream_besideTheHandlersOwn() {
    UpdateBuffer b = new UpdateBuffer(3);
    b.log("from the handler", 0);
    b.output(false, "to stdout", 0);
    b.output(true, "to stderr", 0);
    JobUpdate u = b.take();
    assertEquals(java.util.List.of("from the handler"), u.getLogLinesList());
    assertEquals(java.util.List.of("to stdout"), u.getStdoutLinesList());
    assertEquals(java.util.List.of("to stderr"), u.getStderrLinesList());
  }

  @Test
  void progressIsClampedAndSentOnce_longLinesAreCut() {
    UpdateBuffer b = new UpdateBuffer(1);
    b.progress(1.7, null);
    b.log("x".repeat(5000), 0);
    JobUpdate u = b.take();
    assertEquals(1.0, u.getProgress());
    assertEquals("", u.getProgressMessage());
    assertEquals(UpdateBuffer.MAX_LINE, u.getLogLines(0).length());
    b.progress(Double.NaN, "m");
    assertEquals(0.0, b.take().getProgress());
  }
}
