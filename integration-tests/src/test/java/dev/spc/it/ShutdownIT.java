package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Graceful shutdown of each process: SIGTERM, and stop-worker --drain. */
class ShutdownIT {
  @Test
  void sigtermToAnAgent_letsItsRunningJobFinish_thenItLeavesWithExitZero() throws Exception {
    try (Cluster c = new Cluster()) {
      ProcessCluster.Node agent = c.worker("graceful", 1, "--drain-timeout", "20s");
      JobId id = c.client.submit(JobSpec.of("sleep", "1.5"));
      c.poll("running", () -> c.status(id).state() == JobState.RUNNING);
      JobId next = c.client.submit(JobSpec.of("sleep", "1"));
      agent.terminate();
      assertEquals(0, agent.waitForExit(Cluster.PATIENCE), agent.output());
      assertEquals(Optional.of(DoneReason.DONE), c.status(id).reason());
      assertEquals(JobState.PENDING, c.status(next).state(), "a draining agent takes no new job");
      c.poll("gone", () -> c.client.workers().isEmpty());
    }
  }

  @Test
  void pastTheDrainTimeout_runningJobsAreCancelledAsWorkerShuttingDown() throws Exception {
    try (Cluster c = new Cluster()) {
      ProcessCluster.Node agent = c.worker("impatient", 1, "--drain-timeout", "500ms");
      JobId id = c.client.submit(JobSpec.of("sleep", "60"));
      c.poll("running", () -> c.status(id).state() == JobState.RUNNING);
      agent.terminate();
      assertEquals(0, agent.waitForExit(Cluster.PATIENCE), agent.output());
      JobStatus s = c.pollFor("done", () -> c.status(id), JobStatus::isDone);
      assertEquals(Optional.of(DoneReason.CANCELLED), s.reason());
      assertEquals("worker shutting down", s.error());
    }
  }

  @Test
  void stopWorkerDrain_doesTheSameRemotely() throws Exception {
    try (Cluster c = new Cluster()) {
      ProcessCluster.Node agent = c.worker("remote", 1, "--drain-timeout", "20s");
      JobId id = c.client.submit(JobSpec.of("sleep", "1"));
      c.poll("running", () -> c.status(id).state() == JobState.RUNNING);
      c.client.drainWorker("remote");
      assertEquals(5, agent.waitForExit(Cluster.PATIENCE), agent.output());
      assertEquals(Optional.of(DoneReason.DONE), c.status(id).reason());
    }
  }

  @Test
  void sigtermToTheCoordinator_stopsItCleanlyWithExitZero_andItsJobsSurvive() throws Exception {
    try (Cluster c = new Cluster()) {
      ProcessCluster.Node agent = c.worker("bystander", 1);
      List<JobId> ids = c.client.submitAll(List.of(JobSpec.of("nobody-runs-this"), JobSpec.of("echo", "x")));
      c.client.await(ids.get(1), Cluster.PATIENCE);
      ProcessCluster.Node coordinator = c.processes.coordinator();
      coordinator.terminate();
      assertEquals(0, coordinator.waitForExit(Duration.ofSeconds(20)), coordinator.output());
      assertTrue(coordinator.output().contains("msg=stopped"), coordinator.output());
      assertTrue(agent.process().isAlive(), "agents wait for the coordinator to come back");
      c.processes.restartCoordinator(List.of());
      assertEquals(JobState.PENDING, c.status(ids.get(0)).state());
      assertEquals(Optional.of(DoneReason.DONE), c.status(ids.get(1)).reason());
      c.poll("the agent is back", () -> !c.client.workers().isEmpty(), agent);
    }
  }
}
