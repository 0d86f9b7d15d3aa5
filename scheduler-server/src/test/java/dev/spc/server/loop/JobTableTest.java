package dev.spc.server.loop;

import static dev.spc.proto.JobState.JOB_STATE_BLOCKED;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static dev.spc.proto.JobState.JOB_STATE_SCHEDULED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one writer of job state: every allowed transition, every refused one. */
class JobTableTest {
  final FakeClock clock = new FakeClock();
  final List<String> told = new ArrayList<>();
  final JobTable table = new JobTable(CoordinatorConfig.defaults(), clock, new JobIds("t"),
      new Durability(Persistence.IN_MEMORY, e -> { }), new JobTable.Observer() {
        @Override
        public void stateChanged(JobRecord job) {
          told.add(job.id() + " " + job.state);
        }

        @Override
        public void done(JobRecord job) {
          told.add(job.id() + " done " + job.reason);
        }
      });

  /** A job brought to {@code state} by allowed transitions. */
  JobRecord jobIn(JobState state) {
    return jobIn(state, false);
  }

  /** {@code later}: with a start time ahead (a blocked one is then delayed when unblocked). */
  JobRecord jobIn(JobState state, boolean later) {
    String type = "t" + told.size() + "-" + table.submittedTotal(); // its own queue: it is the head
    JobSpec.Builder spec = JobSpec.newBuilder().setType(type).setRetry(
        dev.spc.proto.RetryPolicy.newBuilder().setMaxAttempts(2));
    if (later) {
      spec.setStartAfter(com.google.protobuf.Duration.newBuilder().setSeconds(3600));
    }
    JobRecord j = table.add(spec.build(), clock.now(), "", 0, state == JOB_STATE_BLOCKED, java.util.Map.of());
    if (state == JOB_STATE_BLOCKED) {
      assertEquals(state, j.state);
      return j;
    }
    if (state != JOB_STATE_PENDING) {
      assertEquals(j, table.lease(java.util.Objects.requireNonNull(j.queue), "w"));
    }
    if (state == JOB_STATE_SCHEDULED) {
      table.finish(j, DoneReason.DONE_REASON_CRASHED, "boom", null);
    }
    if (state == JOB_STATE_DONE) {
      table.finish(j, DoneReason.DONE_REASON_DONE, "", null);
    }
    assertEquals(state, j.state);
    return j;
  }

  void apply(JobRecord j, JobStates.Event e) {
    switch (e) {
      case LEASE -> table.started(j, "w");
      case RETURN -> table.returnToPending(j);
      case FINISH -> table.finish(j, DoneReason.DONE_REASON_CANCELLED, "cancelled", null);
      case RETRY -> table.retry(j, "boom");
      case DUE -> table.due(j);
      case UNBLOCK, DELAY -> table.unblock(j);
    }
  }

  record Counts(int pending, int running, int scheduled, int blocked, long done) {}

  Counts counts() {
    return new Counts(table.pendingCount(), table.runningCount(), table.scheduledCount(),
        table.blockedCount(), table.done().heldTotal());
  }

  @Test
  void theTable_isExactlyTheDocumentedOne() {
    Map<JobState, Map<JobStates.Event, JobState>> expected = new EnumMap<>(JobState.class);
    expected.put(JOB_STATE_PENDING, Map.of(JobStates.Event.LEASE, JOB_STATE_RUNNING,
        JobStates.Event.FINISH, JOB_STATE_DONE));
    expected.put(JOB_STATE_RUNNING, Map.of(JobStates.Event.RETURN, JOB_STATE_PENDING,
        JobStates.Event.RETRY, JOB_STATE_SCHEDULED, JobStates.Event.FINISH, JOB_STATE_DONE));
    expected.put(JOB_STATE_SCHEDULED, Map.of(JobStates.Event.DUE, JOB_STATE_PENDING,
        JobStates.Event.FINISH, JOB_STATE_DONE));
    expected.put(JOB_STATE_BLOCKED, Map.of(JobStates.Event.UNBLOCK, JOB_STATE_PENDING,
        JobStates.Event.DELAY, JOB_STATE_SCHEDULED, JobStates.Event.FINISH, JOB_STATE_DONE));
    assertEquals(expected, JobStates.TABLE);
  }

  @Test
  void everyAllowedTransition_reachesItsState_andKeepsTheCountersAndObserversInStep() {
    for (JobState from : List.of(JOB_STATE_PENDING, JOB_STATE_RUNNING, JOB_STATE_SCHEDULED,
        JOB_STATE_BLOCKED)) {
      for (var e : JobStates.TABLE.get(from).entrySet()) {
        JobRecord j = jobIn(from, e.getKey() == JobStates.Event.DELAY);
        Counts before = counts();
        told.clear();
        apply(j, e.getKey());
        JobState to = e.getValue();
        assertEquals(to, j.state, from + " --" + e.getKey() + "-->");
        Counts after = counts();
        assertEquals(before.pending() - (from == JOB_STATE_PENDING ? 1 : 0)
            + (to == JOB_STATE_PENDING ? 1 : 0), after.pending(), from + " " + e.getKey());
        assertEquals(before.running() - (from == JOB_STATE_RUNNING ? 1 : 0)
            + (to == JOB_STATE_RUNNING ? 1 : 0), after.running(), from + " " + e.getKey());
        assertEquals(before.scheduled() - (from == JOB_STATE_SCHEDULED ? 1 : 0)
            + (to == JOB_STATE_SCHEDULED ? 1 : 0), after.scheduled(), from + " " + e.getKey());
        assertEquals(before.blocked() - (from == JOB_STATE_BLOCKED ? 1 : 0), after.blocked());
        assertEquals(before.done() + (to == JOB_STATE_DONE ? 1 : 0), after.done());
        assertTrue(told.contains(j.id() + " " + to), "watchers told: " + told);
        assertEquals(to == JOB_STATE_DONE, told.contains(j.id() + " done DONE_REASON_CANCELLED"),
            "waiters released only when done: " + told);
      }
    }
  }

  @Test
  void everyOtherTransition_isRefused_andChangesNothing() {
    int refused = 0;
    for (JobState from : List.of(JOB_STATE_PENDING, JOB_STATE_RUNNING, JOB_STATE_SCHEDULED,
        JOB_STATE_BLOCKED, JOB_STATE_DONE)) {
      for (JobStates.Event e : JobStates.Event.values()) {
        if (JobStates.next(from, e) != null) {
          continue;
        }
        JobRecord j = jobIn(from);
        Counts before = counts();
        told.clear();
        if (from == JOB_STATE_DONE && e == JobStates.Event.FINISH) {
          // Rule 12: the first outcome is final; a later one is ignored, not an error.
          assertFalse(table.finish(j, DoneReason.DONE_REASON_CRASHED, "late", null));
          assertEquals(DoneReason.DONE_REASON_DONE, j.reason);
        } else {
          assertThrows(IllegalStateException.class, () -> apply(j, e), from + " --" + e + "-->");
        }
        assertEquals(from, j.state);
        assertEquals(before, counts());
        assertTrue(told.isEmpty(), "nobody told of a refused change: " + told);
        refused++;
      }
    }
    assertEquals(25, refused, "5 states x 7 events, 10 allowed");
  }

  @Test
  void aJobReturnedToPending_isLeasedAgain_withNoWorkerOrStartKept() {
    JobRecord j = jobIn(JOB_STATE_RUNNING);
    table.returnToPending(j);
    assertEquals("", j.worker);
    assertNull(j.startedAt);
    assertEquals(j, table.lease(java.util.Objects.requireNonNull(j.queue), "w2"));
    assertEquals("w2", j.worker);
  }
}
