package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.WorkerInfo;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real coordinator and real agent JVMs, hurt for real: kill -9, SIGSTOP/SIGCONT, a job that
 * will not stop. Each test starts its own workers and stops them afterwards, so that jobs of one
 * test never land on another test's workers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProcessFailureIT {
  Cluster c;

  @BeforeAll
  void start() throws Exception {
    c = new Cluster();
  }

  @AfterAll
  void stop() {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void threeWorkers_runThreeJobsAtOnce() throws Exception {
    for (int i = 1; i <= 3; i++) {
      c.worker("trio-" + i, 1);
    }
    List<JobId> ids = c.client.submitAll(List.of(
        JobSpec.of("sleep", "3"), JobSpec.of("sleep", "3"), JobSpec.of("sleep", "3")));
    c.poll("three jobs running at once", () -> {
      Set<String> workers = new HashSet<>();
      for (JobId id : ids) {
        JobStatus s = c.status(id);
        if (s.state() != JobState.RUNNING) {
          return false;
        }
        workers.add(s.worker());
      }
      return workers.equals(Set.of("trio-1", "trio-2", "trio-3"));
    });
    c.assertAllDone(ids);
  }

  @Test
  void aDuplicateWorkerName_isRefused_andTheAgentExitsSayingSo() throws Exception {
    c.worker("dup", 1);
    ProcessCluster.Node second = c.processes.startWorker("dup", List.of());
    int code = second.waitForExit(Cluster.PATIENCE);
    assertEquals(3, code, second.output());
    assertTrue(second.output().contains("worker name 'dup' is already taken"), second.output());
    assertEquals(1, c.client.workers().stream().filter(w -> w.name().equals("dup")).count());
  }

  @Test
  void kill9OfAWorkerMidJob_isCrashedWithinTheHeartbeatTimeout() throws Exception {
    ProcessCluster.Node victim = c.worker("victim-9", 1);
    JobId id = c.client.submit(JobSpec.of("sleep", "60"));
    c.poll("job running", () -> c.status(id).state() == JobState.RUNNING, victim);
    long killedAt = System.nanoTime();
    victim.kill9();
    JobStatus s = c.pollFor("job crashed", () -> c.status(id), JobStatus::isDone);
    long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
    assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
    assertEquals("worker lost", s.error());
    assertTrue(tookMs < Cluster.HEARTBEAT_TIMEOUT.toMillis() + 5000,
        "noticed after " + tookMs + "ms");
  }

  @Test
  void aWorkerFrozenPastTheTimeout_isCrashed_andItsLateResultIsIgnored() throws Exception {
    ProcessCluster.Node frozen = c.worker("frozen", 1);
    JobId id = c.client.submit(JobSpec.of("sleep", "2"));
    c.poll("job running", () -> c.status(id).state() == JobState.RUNNING, frozen);
    frozen.freeze();
    try {
      JobStatus s = c.pollFor("job crashed", () -> c.status(id), JobStatus::isDone);
      assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
      assertEquals("worker lost", s.error());
      Thread.sleep(2000); // let the frozen job's own time run out, so it finishes on waking
    } finally {
      frozen.cont();
    }
    c.poll("the agent reconnects and reports its late result",
        () -> c.processes.coordinator().output().contains("ignored results for stale leases\" worker=frozen"),
        frozen);
    c.poll("the agent is registered again",
        () -> c.client.workers().stream().anyMatch(w -> w.name().equals("frozen")), frozen);
    JobStatus after = c.status(id);
    assertEquals(Optional.of(DoneReason.CRASHED), after.reason());
    assertEquals("worker lost", after.error());
  }

  @Test
  void aCoordinatorFrozenPastTheTimeout_losesNoWorker_andTheJobsItLeasedFinish() throws Exception {
    // Its own coordinator: freezing the shared one would stall the other tests.
    try (Cluster p = new Cluster()) {
      ProcessCluster.Node a = p.worker("pause-a", 1);
      ProcessCluster.Node b = p.worker("pause-b", 1);
      List<JobId> ids = p.client.submitAll(List.of(JobSpec.of("sleep", "3"), JobSpec.of("sleep", "3")));
      p.poll("both running", () -> ids.stream().allMatch(id -> p.status(id).state() == JobState.RUNNING));
      ProcessCluster.Node coordinator = p.processes.coordinator();
      coordinator.freeze();
      try {
        // The fault: a pause five heartbeat timeouts long, outlasting the jobs themselves.
        Thread.sleep(5 * Cluster.HEARTBEAT_TIMEOUT.toMillis());
      } finally {
        coordinator.cont();
      }
      p.assertAllDone(ids, a, b);
      assertTrue(coordinator.output().contains("coordinator stalled"), coordinator.output());
      assertTrue(!coordinator.output().contains("worker lost"), coordinator.output());
      for (ProcessCluster.Node n : List.of(a, b)) {
        assertTrue(!n.output().contains("self-fencing") && !n.output().contains("reconnect"),
            "agents keep their stream through a paused coordinator:\n" + n.output());
      }
      assertEquals(Set.of("pause-a", "pause-b"), p.client.workers().stream()
          .map(WorkerInfo::name).collect(java.util.stream.Collectors.toSet()));
      assertEquals("after", p.client.await(p.client.submit(JobSpec.of("echo", "after")),
          Cluster.PATIENCE).resultText());
      p.stopWorkers();
    }
  }

  @Test
  void aStaleDeadline_neverKillsTheNextJobOnTheSameWorker() throws Exception {
    c.worker("deadlines", 1);
    JobId first = c.client.submit(JobSpec.newBuilder("sleep").args("0.3").maxSeconds(2).build());
    JobId second = c.client.submit(JobSpec.newBuilder("sleep").args("3").maxSeconds(20).build());
    assertEquals(Optional.of(DoneReason.DONE), c.client.await(first, Cluster.PATIENCE).reason());
    JobStatus s = c.client.await(second, Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.DONE), s.reason(), s.error());
    assertTrue(Duration.between(s.startedAt(), s.finishedAt()).toMillis() >= 2900);
  }

  @Test
  void spinWithMaxOneSecond_timesOutNearOneSecond_whileTheOtherSlotKeepsWorking() throws Exception {
    c.worker("spinner", 2, "--stop-grace", "1s");
    JobId spin = c.client.submit(JobSpec.newBuilder("spin").maxSeconds(1).build());
    JobStatus s = c.client.await(spin, Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.TIMEOUT), s.reason());
    long ranMs = Duration.between(s.startedAt(), s.finishedAt()).toMillis();
    assertTrue(ranMs >= 1000 && ranMs < 3000, "timed out after " + ranMs + "ms");
    WorkerInfo w = c.pollFor("the spinning slot reported stuck",
        () -> c.client.workers().stream().filter(x -> x.name().equals("spinner")).findFirst().orElseThrow(),
        x -> x.stuckSlots() == 1);
    assertEquals(2, w.slots());
    for (int i = 0; i < 3; i++) {
      JobStatus next = c.client.await(c.client.submit(JobSpec.of("echo", "still", "working")),
          Cluster.PATIENCE);
      assertEquals(Optional.of(DoneReason.DONE), next.reason());
      assertEquals("spinner", next.worker());
      assertEquals("still working", next.resultText());
    }
  }

  @Test
  void aMessageOverFourMiB_isRefusedAsResourceExhausted_andTheCoordinatorCarriesOn() {
    JobSpec huge = JobSpec.newBuilder("noop").payload(new byte[5 << 20]).build();
    var e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.spc.client.SpcException.ResourceExhausted.class, () -> c.client.submit(huge));
    assertTrue(e.getMessage().contains("4194304"), e.getMessage());
    JobSpec big = JobSpec.newBuilder("noop").payload(new byte[(1 << 20) + 1]).build();
    var invalid = org.junit.jupiter.api.Assertions.assertThrows(
        dev.spc.client.SpcException.InvalidArgument.class, () -> c.client.submit(big));
    assertEquals("job.payload is 1048577 bytes, limit 1048576", invalid.getMessage());
    assertEquals(JobState.UNKNOWN, c.status(JobId.of("abc-1")).state());
  }

  @AfterEach
  void stopWorkers() {
    c.stopWorkers();
  }
}
