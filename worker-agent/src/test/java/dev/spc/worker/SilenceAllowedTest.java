package dev.spc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long an agent's heartbeats may go unacknowledged before it counts itself cut off. */
class SilenceAllowedTest {
  @Test
  void theTimeoutLessOneInterval_soTheAgentFencesNoLaterThanTheCoordinatorGivesUp() {
    assertEquals(Duration.ofMillis(2000), WorkerAgent.silenceAllowed(1000, 3000));
    assertEquals(Duration.ofMillis(800), WorkerAgent.silenceAllowed(200, 1000));
  }

  @Test
  void neverLessThanHalfTheTimeout_forIntervalsCloseToIt() {
    assertEquals(Duration.ofMillis(1500), WorkerAgent.silenceAllowed(2500, 3000));
  }
}
