package dev.spc.server.loop;

import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.CoordinatorMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A graceful stop of the coordinator, on the state machine with a fake clock. */
class ShutdownTest {
  final Harness h = new Harness();

  static boolean toldStopping(RecordingLink w) {
    return w.sent.stream().anyMatch(CoordinatorMessage::hasCoordinatorStopping);
  }

  @Test
  void agentsAreAskedToHalfClose_andTheStopIsDoneWhenAllHave() {
    RecordingLink a = h.register("a", 1, "t");
    RecordingLink b = h.register("b", 1, "t");
    Captured<Boolean> stopped = new Captured<>();
    h.feed(new Msg.Shutdown(stopped));
    assertTrue(toldStopping(a) && toldStopping(b));
    assertFalse(a.closed || b.closed, "streams stay open for the agents' last results");
    h.feed(new Msg.WorkerGone(a, Coordinator.LEFT));
    assertFalse(stopped.answered(), "b has not half-closed yet");
    h.feed(new Msg.WorkerGone(b, Coordinator.LEFT));
    assertTrue(stopped.answered());
  }

  @Test
  void aResultSentBeforeTheHalfCloseIsTaken_andARunningJobStaysRunning() {
    RecordingLink w = h.register("w", 2, "t");
    String finished = h.submit("t");
    String running = h.submit("t");
    h.feed(new Msg.Shutdown(new Captured<>()));
    h.succeed(w, w.leaseFor(finished));
    h.feed(new Msg.WorkerGone(w, Coordinator.LEFT));
    assertEquals(dev.spc.proto.DoneReason.DONE_REASON_DONE, h.job(finished).getDoneReason());
    assertEquals(JOB_STATE_RUNNING, h.job(running).getState(),
        "the agent keeps it and reports it after the restart");
  }

  @Test
  void anAgentThatNeverHalfCloses_isCutOffAfterTheHandshakeTime_withoutCrashingItsJobs() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit("t");
    Captured<Boolean> stopped = new Captured<>();
    h.feed(new Msg.Shutdown(stopped));
    h.advance(Duration.ofSeconds(1));
    assertFalse(stopped.answered());
    h.advance(Duration.ofMillis(1500));
    assertTrue(stopped.answered());
    assertTrue(w.closed);
    assertEquals(JOB_STATE_RUNNING, h.job(id).getState());
  }

  @Test
  void noLeaseIsGrantedOnceStopping_andHeldBackLeasesGoBackToPending() {
    RecordingLink w = h.register("w", 2, "t");
    w.ready = false;
    String held = h.submit("t");
    assertEquals(JOB_STATE_RUNNING, h.job(held).getState());
    h.feed(new Msg.Shutdown(new Captured<>()));
    assertEquals(JOB_STATE_PENDING, h.job(held).getState(), "it never reached the agent");
    w.ready = true;
    h.feed(new Msg.WorkerReady(w));
    h.heartbeat(w);
    assertEquals(List.of(), w.leases(), "nothing granted while stopping");
    assertEquals(JOB_STATE_PENDING, h.job(held).getState());
  }

  @Test
  void aFrozenAgentIsNotDeclaredLostWhileStopping() {
    h.register("w", 1, "t");
    String id = h.submit("t");
    h.feed(new Msg.Shutdown(new Captured<>()));
    h.advance(Duration.ofSeconds(10));
    assertEquals(JOB_STATE_RUNNING, h.job(id).getState(), "the restart's grace judges it");
  }
}
