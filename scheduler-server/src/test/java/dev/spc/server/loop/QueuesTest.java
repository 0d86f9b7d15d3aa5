package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The O(1) structures behind rule 2 (order) and rule 7 (deadlines), including their clean-up. */
class QueuesTest {
  static JobRecord job(long seq, int priority) {
    return new JobRecord(seq, new JobIds("x"), JobSpec.newBuilder().setType("t").setPriority(priority).build(),
        Instant.EPOCH);
  }

  @Test
  void pendingQueue_takesHigherPriorityFirstThenFifo_andSkipsCancelledJobs() {
    PendingQueue q = new PendingQueue();
    JobRecord a = job(1, 0);
    JobRecord b = job(2, 3);
    JobRecord c = job(3, 0);
    JobRecord d = job(4, 3);
    for (JobRecord j : List.of(a, b, c, d)) {
      q.add(j);
    }
    d.state = JobState.JOB_STATE_DONE;
    q.removed();
    assertEquals(b, q.poll());
    assertEquals(a, q.poll());
    assertEquals(c, q.poll());
    assertNull(q.poll());
    assertTrue(q.isEmpty());
  }

  @Test
  void pendingQueue_compactsWhenCancelledJobsPileUp() {
    PendingQueue q = new PendingQueue();
    List<JobRecord> all = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      JobRecord j = job(i, 0);
      all.add(j);
      q.add(j);
    }
    for (int i = 0; i < 9_999; i++) {
      all.get(i).state = JobState.JOB_STATE_DONE;
      q.removed();
    }
    assertEquals(all.get(9_999), q.poll());
  }

  @Test
  void deadlines_expireInOrderPerMaxSeconds_andSkipLeasesThatEnded() {
    Deadlines d = new Deadlines();
    LeaseRecord a = LeaseRecord.live(1, null, null, 5, 5_000);
    LeaseRecord b = LeaseRecord.live(2, null, null, 5, 6_000);
    LeaseRecord c = LeaseRecord.live(3, null, null, 1, 2_000);
    d.add(a);
    d.add(b);
    d.add(c);
    a.stop();
    d.ended(a);
    List<Long> expired = new ArrayList<>();
    d.expire(5_500, l -> {
      l.stop();
      d.ended(l);
      expired.add(l.id);
    });
    assertEquals(List.of(3L), expired);
    d.expire(6_000, l -> expired.add(l.id));
    assertEquals(List.of(3L, 2L), expired);
  }
}
