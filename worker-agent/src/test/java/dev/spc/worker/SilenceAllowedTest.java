package dev.spc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long an agent's heartbeats may go unacknowledged before it counts itself cut off. */
class SilenceAllowedTest {
  @Test
  void theTimeoutLessOneInterval_soTheAgentFencesNoLaterThanTheCoordinatorGivesUp() {
    assertEquals(Duration.ofSeconds(2), dev.spc.worker.internal.AgentSession.silenceAllowed(1000, 3000));
    assertEquals(Duration.ofMillis(800), dev.spc.worker.internal.AgentSession.silenceAllowed(200, 1000));
  }

  @Test
  void neverLessThanHalfTheTimeout_forIntervalsCloseToIt() {
    assertEquals(Duration.ofMillis(1500), dev.spc.worker.internal.AgentSession.silenceAllowed(2500, 3000));
  }
}
