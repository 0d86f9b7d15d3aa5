package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Jobs over time with real processes: retries through the command line, the dead set and a
 * re-run, and a delayed job whose start time passes while the coordinator is down.
 */
class RetriesIT {
  @Test
  void aJobFailingTwice_endsDoneOnItsThirdAttempt_andADeadOneIsReRun() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      c.worker("retry-worker", 2);
      Cli.Run flaky = Cli.run(c.processes.target(), "submit", "flaky", "2", "--retries", "3",
          "--backoff", "100ms..1s", "--wait");
      assertEquals(0, flaky.code(), flaky.out() + flaky.err());
      String id = flaky.err().replaceAll("(?s).*submitted (\\S+); waiting.*", "$1");
      Cli.Run status = Cli.run(c.processes.target(), "status", id);
      assertTrue(status.out().contains("attempt:   3 of 4"), status.out());
      assertTrue(status.out().contains("#1 CRASHED on retry-worker"), status.out());
      assertTrue(status.out().contains("#2 CRASHED on retry-worker"), status.out());
      assertTrue(status.out().contains("#3 DONE on retry-worker"), status.out());
      assertTrue(status.out().contains("flaky failure (attempt 2 of 4)"), status.out());

      Cli.Run dead = Cli.run(c.processes.target(), "submit", "fail", "always", "--retries", "1",
          "--backoff", "100ms..100ms", "--wait");
      assertEquals(10, dead.code(), dead.out() + dead.err());
      String deadId = dead.err().replaceAll("(?s).*submitted (\\S+); waiting.*", "$1");
      Cli.Run list = Cli.run(c.processes.target(), "jobs", "--dead");
      assertTrue(list.out().contains(deadId), list.out());
      assertFalse(list.out().contains(id), "the flaky job succeeded in the end: " + list.out());
      Cli.Run rerun = Cli.run(c.processes.target(), "rerun", deadId);
      assertEquals(0, rerun.code(), rerun.err());
      JobStatus again = c.client.await(JobId.of(rerun.out().strip()), Cluster.PATIENCE);
      assertEquals(Optional.of(JobId.of(deadId)), again.rerunOf());
      assertEquals(Optional.of(DoneReason.CRASHED), again.reason());
      assertEquals(2, again.attempts().size(), "the re-run has the same retry policy");
    }
  }

  @Test
  void aDelayedJobDueWhileTheCoordinatorIsDown_runsAfterTheRestart() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      c.worker("delay-worker", 1);
      JobId id = c.client.submit(JobSpec.newBuilder("noop").startAfter(Duration.ofSeconds(3)).build());
      JobStatus waiting = c.client.status(id);
      assertEquals(JobState.SCHEDULED, waiting.state());
      c.processes.coordinator().kill9();
      Thread.sleep(3500);
      DurabilityIT.restart(c, List.of());
      JobStatus done = c.client.await(id, Cluster.PATIENCE);
      assertEquals(Optional.of(DoneReason.DONE), done.reason());
      assertTrue(!done.startedAt().isBefore(done.submittedAt().plusSeconds(3)),
          "started " + done.startedAt() + ", submitted " + done.submittedAt());
    }
  }
}
