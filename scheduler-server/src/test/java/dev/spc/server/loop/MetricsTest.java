package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the loop reports for metrics, and the snapshot a scrape reads, on the fake clock. */
class MetricsTest {
  Harness h = new Harness();
  List<String> events = new ArrayList<>();

  MetricsTest() {
    h.c.metrics(new LoopMetrics() {
      @Override
      public void started(String type, long waitedNanos) {
        events.add("started " + type + " after " + Duration.ofNanos(waitedNanos).toMillis() + "ms");
      }

      @Override
      public void finished(String type, DoneReason reason, long ranNanos) {
        events.add("finished " + type + " " + reason + (ranNanos < 0 ? " never ran"
            : " after " + Duration.ofNanos(ranNanos).toMillis() + "ms"));
      }

      @Override
      public void workerLost() {
        events.add("worker lost");
      }
    });
  }

  LoopSnapshot snapshot() {
    Captured<LoopSnapshot> r = new Captured<>();
    h.feed(new Msg.GetSnapshot(r));
    return r.get();
  }

  @Test
  void waitsAndRunTimesAndOutcomesAreReportedAsTheyHappen() {
    String a = h.submit("t", "a");
    String never = h.submit("other", "x");
    h.clock.advance(Duration.ofMillis(250));
    RecordingLink w = h.register("w1", 1, "t");
    assertEquals(List.of("started t after 250ms"), events);
    h.clock.advance(Duration.ofMillis(40));
    h.succeed(w, w.leaseFor(a));
    h.cancel(never);
    assertEquals(List.of("started t after 250ms", "finished t DONE_REASON_DONE after 40ms",
        "finished other DONE_REASON_CANCELLED never ran"), events);
  }

  @Test
  void theSnapshotCountsPendingByTypeAndPriority_andTheOldestWait() {
    h.submit(JobSpec.newBuilder().setType("t").setPriority(5).build());
    h.clock.advance(Duration.ofSeconds(3));
    h.submit(JobSpec.newBuilder().setType("t").setPriority(0).build());
    h.submit(JobSpec.newBuilder().setType("t").setPriority(0).build());
    String cancelled = h.submit(JobSpec.newBuilder().setType("t").setPriority(0).build());
    h.cancel(cancelled);
    h.submit(JobSpec.newBuilder().setType("u").putConstraints("zone", "eu").build());
    h.clock.advance(Duration.ofSeconds(1));
    LoopSnapshot s = snapshot();
    assertEquals(List.of(new LoopSnapshot.Pending("t", 0, 2), new LoopSnapshot.Pending("t", 5, 1),
        new LoopSnapshot.Pending("u", 0, 1)), s.pending());
    assertEquals(4.0, s.oldestPendingSeconds().get("t"), 1e-9);
    assertEquals(1.0, s.oldestPendingSeconds().get("u"), 1e-9);
    assertEquals(4, s.stats().getPending());
    RecordingLink w = h.register("w1", 2, "t");
    LoopSnapshot after = snapshot();
    assertEquals(java.util.Map.of("t", 2), after.running());
    assertEquals(List.of(new LoopSnapshot.Pending("t", 0, 1), new LoopSnapshot.Pending("u", 0, 1)),
        after.pending());
    assertTrue(w.leases().size() == 2);
  }
}
