package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Graceful shutdown of each process, idle and under load: SIGTERM, and stop-worker --drain. */
class ShutdownIT {
  /**
   * Keeps submitting small batches until stopped or {@code max} jobs are in; records every id
   * acknowledged.
   */
  static final class Flood implements AutoCloseable {
    final Set<JobId> acked = ConcurrentHashMap.newKeySet();
    final List<String> errors = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Flood(SpcClient client, int max, JobSpec... specs) {
      thread = Thread.ofPlatform().start(() -> {
        while (running.get() && acked.size() < max) {
          try {
            acked.addAll(client.submitAll(List.of(specs)));
          } catch (RuntimeException e) {
            errors.add(e.toString());
          }
        }
      });
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(Cluster.PATIENCE.toMillis());
    }
  }

  @Test
  void sigtermToABusyAgent_finishesWhatItRuns_losesNoJob_andExitsZero() throws Exception {
    try (Cluster c = new Cluster()) {
      ProcessCluster.Node busy = c.worker("busy", 8, "--drain-timeout", "20s");
      c.worker("other", 4);
      List<JobId> ran;
      try (Flood flood = new Flood(c.client, 2000, JobSpec.of("sleep", "0.1"), JobSpec.of("noop"),
          JobSpec.of("noop"), JobSpec.of("noop"))) {
        c.poll("the busy agent is full", () -> c.client.workers().stream()
            .anyMatch(w -> w.name().equals("busy") && w.runningJobIds().size() == 8));
        ran = c.client.workers().stream().filter(w -> w.name().equals("busy")).findFirst()
            .orElseThrow().runningJobIds();
        busy.terminate();
        assertEquals(0, busy.waitForExit(Cluster.PATIENCE), busy.output());
        long doneBefore = c.client.stats().doneDone();
        c.poll("the flood goes on on the other agent", () -> c.client.stats().doneDone() > doneBefore + 50);
        flood.close();
        assertEquals(List.of(), flood.errors);
        c.assertAllDone(flood.acked);
      }
      for (JobId id : ran) {
        assertEquals("busy", c.status(id).worker(), "the jobs it held finished there");
      }
    }
  }

  @Test
  void sigtermToABusyCoordinator_exitsZero_andEveryAcknowledgedJobIsThereOnceAfterARestart()
      throws Exception {
    try (Cluster c = new Cluster()) {
      c.worker("steady", 4);
      Set<JobId> acked;
      try (Flood flood = new Flood(c.client, 3000, JobSpec.of("sleep", "0.02"), JobSpec.of("noop"),
          JobSpec.of("echo", "x"))) {
        c.poll("under load", () -> flood.acked.size() > 300 && c.client.stats().running() > 0);
        ProcessCluster.Node coordinator = c.processes.coordinator();
        coordinator.terminate();
        assertEquals(0, coordinator.waitForExit(Duration.ofSeconds(20)), coordinator.output());
        // The flood's submits wait and retry (UNAVAILABLE) until the coordinator is back.
        c.processes.restartCoordinator(List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s"));
        int before = flood.acked.size();
        c.poll("submits are accepted again", () -> flood.acked.size() > before + 30);
        flood.close();
        assertEquals(List.of(), flood.errors);
        acked = Set.copyOf(flood.acked);
      }
      c.assertAllDone(acked);
      Set<JobId> all = new HashSet<>();
      for (JobStatus s : c.client.listAll(null)) {
        assertTrue(all.add(s.id()), "listed twice: " + s.id());
      }
      assertEquals(acked, all, "every acknowledged job, once, and nothing else");
    }
  }

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
