package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Idle agents heartbeat less often as the fleet grows; busy ones keep the usual timeout. */
class IdleCadenceTest {
  private final Harness h = new Harness();

  @Test
  void theFactorGrowsWithTheFleet_andComesDownOnlyWellBelowAStep() {
    IdleCadence c = new IdleCadence();
    assertFalse(c.update(1000));
    assertEquals(1, c.factor());
    assertTrue(c.update(1001));
    assertEquals(2, c.factor());
    assertFalse(c.update(1000)); // at the boundary: no flapping
    assertFalse(c.update(801));
    assertTrue(c.update(799));
    assertEquals(1, c.factor());
    assertTrue(c.update(1_000_000));
    assertEquals(IdleCadence.MAX_FACTOR, c.factor());
  }

  /** 1,000 idle agents that are always heard (their heartbeats land off the loop). */
  private List<RecordingLink> fleet() {
    List<RecordingLink> fleet = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      RecordingLink l = new RecordingLink("idle-" + i);
      l.heardNanos = Long.MAX_VALUE / 2;
      fleet.add(h.register(l, 1, "other"));
    }
    return fleet;
  }

  private static long idleIntervalSent(RecordingLink l) {
    long ms = -1;
    for (CoordinatorMessage m : l.sent) {
      if (m.hasRegistered()) {
        ms = m.getRegistered().getIdleHeartbeatIntervalMs();
      } else if (m.hasCadence()) {
        ms = m.getCadence().getIdleHeartbeatIntervalMs();
      }
    }
    return ms;
  }

  @Test
  void aSmallFleet_idlesAtTheUsualInterval_andIsLostAtTheUsualTimeout() {
    RecordingLink w = h.register("w", 1, "t");
    assertEquals(1000, idleIntervalSent(w));
    h.advance(Duration.ofMillis(3100));
    assertTrue(w.closed);
    assertEquals("no heartbeat within 3000ms; worker declared lost", w.closedWith.message());
  }

  @Test
  void beyondAThousandAgents_everyAgentIsToldToIdleSlower() {
    List<RecordingLink> fleet = fleet();
    assertEquals(1000, idleIntervalSent(fleet.get(0)));
    RecordingLink w = h.register("w", 1, "t");
    assertEquals(2000, idleIntervalSent(w));
    for (RecordingLink l : fleet) {
      assertEquals(2000, idleIntervalSent(l), l.name);
    }
    for (RecordingLink l : fleet.subList(0, 300)) {
      h.feed(new Msg.WorkerGone(l, "gone"));
    }
    assertEquals(1000, idleIntervalSent(w)); // 701 left: back to the usual pace
  }

  @Test
  void anIdleAgent_getsTheScaledTimeout() {
    fleet();
    RecordingLink w = h.register("w", 1, "t");
    h.advance(Duration.ofSeconds(5));
    assertFalse(w.closed);
    h.advance(Duration.ofMillis(1100));
    assertTrue(w.closed);
    assertEquals("no heartbeat within 6000ms; worker declared lost", w.closedWith.message());
  }

  @Test
  void aLeaseToAnIdleAgent_restartsTheUsualTimeout() {
    fleet();
    RecordingLink w = h.register("w", 1, "t");
    h.advance(Duration.ofSeconds(5)); // idle and silent, within its allowance
    String id = h.submit("t");
    assertEquals(1, w.leases().size());
    // From the lease on (the first liveness scan after it, one tick here), the usual 3 s.
    h.advance(Duration.ofMillis(2900));
    assertFalse(w.closed);
    assertEquals(JobState.JOB_STATE_RUNNING, h.job(id).getState());
    h.advance(Duration.ofMillis(300));
    assertTrue(w.closed);
    assertEquals(DoneReason.DONE_REASON_CRASHED, h.job(id).getDoneReason());
  }
}
