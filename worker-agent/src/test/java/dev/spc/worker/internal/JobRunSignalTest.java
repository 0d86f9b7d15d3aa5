package dev.spc.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.DependencyOutcome;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.Lease;
import dev.spc.worker.Signal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a handler's context gives: signals (queued or handed to a handler) and dependencies. */
class JobRunSignalTest {
  static JobRun run() {
    return new JobRun(Lease.newBuilder().setLeaseId(1).setJobId("j-1").setMaxSeconds(60)
        .setSpec(JobSpec.newBuilder().setType("t"))
        .addDependencies(DependencyOutcome.newBuilder().setJobId("j-0").setState(JobState.JOB_STATE_DONE)
            .setDoneReason(DoneReason.DONE_REASON_CRASHED).setError("boom").setExitCode(3)
            .setResult(com.google.protobuf.ByteString.copyFromUtf8("partial")))
        .build());
  }

  @Test
  void signalsBeforeAHandler_waitForIt_andLaterOnesGoStraightToIt() throws Exception {
    JobRun r = run();
    r.signal(new Signal("first", "1".getBytes(StandardCharsets.UTF_8)));
    LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
    r.onSignal(s -> got.add(s.name() + ":" + s.payloadText()));
    r.signal(new Signal("second", new byte[0]));
    assertEquals("first:1", got.poll(10, TimeUnit.SECONDS));
    assertEquals("second:", got.poll(10, TimeUnit.SECONDS));
    assertNull(r.awaitSignal(Duration.ofMillis(20)), "handed to the handler, not queued");
  }

  @Test
  void aHandler_seesSignalsOneAtATime_inTheOrderTheyCame() throws Exception {
    JobRun r = run();
    LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    r.onSignal(s -> {
      if (inside.incrementAndGet() != 1) {
        got.add("overlap");
      }
      got.add(s.name());
      inside.decrementAndGet();
    });
    for (int i = 0; i < 200; i++) {
      r.signal(new Signal("s" + i, new byte[0]));
    }
    for (int i = 0; i < 200; i++) {
      assertEquals("s" + i, got.poll(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void awaitSignal_receivesInOrder_andTimesOut() throws Exception {
    JobRun r = run();
    assertNull(r.awaitSignal(Duration.ofMillis(10)));
    r.signal(new Signal("HUP", new byte[0]));
    r.signal(new Signal("USR1", new byte[0]));
    assertEquals("HUP", r.awaitSignal(Duration.ofSeconds(1)).name());
    assertEquals("USR1", r.awaitSignal(Duration.ofSeconds(1)).name());
  }

  @Test
  void dependencies_areReadFromTheLease() {
    List<dev.spc.worker.Dependency> deps = run().dependencies();
    assertEquals(1, deps.size());
    dev.spc.worker.Dependency d = deps.get(0);
    assertEquals("j-0", d.jobId());
    assertEquals("CRASHED", d.outcome());
    assertEquals("partial", d.resultText());
    assertEquals(3, d.exitCode());
    assertTrue(!d.succeeded());
  }
}
