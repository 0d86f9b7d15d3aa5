package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.SetAccessLevelResponse;
import dev.spc.proto.Stats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The access level: bulk interruption and admission by priority. */
class AccessLevelTest {
  Harness h = new Harness();

  static JobSpec at(int priority) {
    return JobSpec.newBuilder().setType("t").setPriority(priority).build();
  }

  Captured<SetAccessLevelResponse> set(int level, boolean interrupt) {
    Captured<SetAccessLevelResponse> r = new Captured<>();
    h.feed(new Msg.SetAccessLevel(level, interrupt, r));
    return r;
  }

  int statsLevel() {
    Captured<Stats> s = new Captured<>();
    h.feed(new Msg.GetStats(s));
    return s.get().getAccessLevel();
  }

  @Test
  void jobsBelowTheLevel_waitSayingWhy_andStartOnceItIsLowered() {
    assertEquals(Integer.MIN_VALUE, statsLevel(), "open by default");
    set(5, false);
    RecordingLink w = h.register("w", 4, "t");
    String low = h.submit(at(1));
    String high = h.submit(at(5));
    assertEquals(JOB_STATE_RUNNING, h.job(high).getState(), "priority 5 is admitted by level 5");
    Job held = h.job(low);
    assertEquals(JOB_STATE_PENDING, held.getState());
    assertEquals("held back by the access level 5 (it admits priority >= 5; this job has 1)",
        held.getPendingReason());
    set(Integer.MIN_VALUE, false);
    assertEquals(JOB_STATE_RUNNING, h.job(low).getState());
    assertEquals(2, w.leases().size());
  }

  @Test
  void interrupt_cancelsTheRunningJobsBelowTheLevel_atOnce() {
    RecordingLink w = h.register("w", 4, "t");
    String a = h.submit(at(0));
    String b = h.submit(at(3));
    String c = h.submit(at(7));
    SetAccessLevelResponse r = set(5, true).get();
    assertEquals(2, r.getInterrupted());
    for (String id : List.of(a, b)) {
      Job j = h.job(id);
      assertEquals(JOB_STATE_DONE, j.getState());
      assertEquals(DONE_REASON_CANCELLED, j.getDoneReason());
      assertEquals("cancelled: interrupted by the access level 5", j.getError());
    }
    assertEquals(JOB_STATE_RUNNING, h.job(c).getState());
    assertEquals(List.of(w.lastLeaseFor(a), w.lastLeaseFor(b)),
        w.stops().stream().map(s -> s.getLeaseId()).toList());
    String later = h.submit(at(4));
    assertEquals(JOB_STATE_PENDING, h.job(later).getState(), "admitted by nothing below 5");
  }

  @Test
  void theLevel_survivesARestart() {
    DurableCoordinatorTest.FakeStore store = new DurableCoordinatorTest.FakeStore();
    h = new Harness(CoordinatorConfig.defaults(), store);
    h.feed(new Msg.SetAccessLevel(8, false, new Captured<>()));
    store.applyQueued();
    h.feed(new Msg.Committed(store.lastBatch));
    assertEquals("8", store.settings.get(AccessLevel.SETTING));
    h.restart(store.sorted(), List.of(), store.settings);
    assertEquals(8, statsLevel());
  }
}
