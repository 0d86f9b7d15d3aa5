package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** kill -9 of a durable coordinator, and what survives it. Every test has its own cluster. */
class DurabilityIT {
  static final List<String> FAST = List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout",
      "1s", "--reconnect-grace", "5s");

  static Cluster cluster(List<String> extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(FAST);
    args.addAll(extra);
    return new Cluster(args);
  }

  static void restart(Cluster c, List<String> extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(FAST);
    args.addAll(extra);
    c.processes.restartCoordinator(args);
  }

  static final java.util.regex.Pattern FINISHED = java.util.regex.Pattern.compile(
      "msg=\"job finished\" job=(\\S+) lease=\\d+ outcome=OUTCOME_SUCCEEDED");

  @Test
  void kill9WhileAgentsReportResults_losesNoOutcomeAnAgentReported() throws Exception {
    try (Cluster c = cluster(List.of())) {
      List<ProcessCluster.Node> agents = List.of(c.worker("results-a", 8, "--log-level", "debug"),
          c.worker("results-b", 8, "--log-level", "debug"));
      List<JobSpec> specs = new java.util.ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        specs.add(JobSpec.of("sleep", "0.01"));
      }
      List<JobId> ids = new java.util.ArrayList<>();
      for (int i = 0; i < specs.size(); i += 500) {
        ids.addAll(c.client.submitAll(specs.subList(i, i + 500)));
      }
      // The fault: kill -9 while results stream in and group commits are under way.
      c.poll("jobs finishing", () -> c.client.stats().doneDone() > 300);
      c.processes.coordinator().kill9();
      restart(c, List.of());
      for (JobId id : ids) {
        c.client.await(id, Cluster.PATIENCE);
      }
      Set<String> finishedOnAnAgent = new HashSet<>();
      for (ProcessCluster.Node a : agents) {
        java.util.regex.Matcher m = FINISHED.matcher(a.output());
        while (m.find()) {
          finishedOnAnAgent.add(m.group(1));
        }
      }
      int done = 0;
      for (JobId id : ids) {
        JobStatus s = c.status(id);
        if (finishedOnAnAgent.contains(id.value())) {
          assertEquals(Optional.of(DoneReason.DONE), s.reason(),
              id + " finished on an agent, yet: " + s.describe() + " " + s.error());
          done++;
        }
      }
      assertEquals(finishedOnAnAgent.size(), done, "every job an agent finished is DONE");
      assertTrue(done >= 2900, "nearly all ran: " + done);
    }
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "--store-engine {0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"log", "sqlite"})
  void kill9DuringAStreamOfSubmits_losesNoAcknowledgedJob_andDuplicatesNone(String engine) throws Exception {
    List<String> store = List.of("--store-engine", engine);
    try (Cluster c = cluster(store)) {
      ConcurrentLinkedQueue<JobId> acked = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      Thread submitter = Thread.ofPlatform().start(() -> {
        try (SpcClient spc = SpcClient.newBuilder().target(c.processes.target())
            .submitRetryTimeout(Duration.ofSeconds(60)).build()) {
          while (!stop.get()) {
            acked.add(spc.submit(JobSpec.of("nobody-runs-this")));
          }
        }
      });
      c.poll("a few hundred submits acknowledged", () -> acked.size() >= 300);
      c.processes.coordinator().kill9();
      int ackedAtKill = acked.size();
      restart(c, store);
      c.poll("submits acknowledged again after the restart", () -> acked.size() >= ackedAtKill + 200);
      stop.set(true);
      submitter.join(90_000);
      Set<String> ids = new HashSet<>();
      for (JobId id : acked) {
        assertTrue(ids.add(id.value()), "acknowledged twice: " + id);
        assertEquals(JobState.PENDING, c.status(id).state(), id.value());
      }
      int listed = 0;
      for (JobStatus s : c.client.listAll(null)) {
        assertTrue(ids.contains(s.id().value()), "a job nobody was told about: " + s.id());
        listed++;
      }
      assertEquals(ids.size(), listed);
    }
  }

  @Test
  void aJobRunningAcrossARestart_isReadopted_andFinishesDone() throws Exception {
    try (Cluster c = cluster(List.of())) {
      c.worker("steady", 1);
      JobId id = c.client.submit(JobSpec.of("sleep", "4"));
      c.poll("running", () -> c.status(id).state() == JobState.RUNNING);
      // A client already waiting when the coordinator dies waits on across the restart.
      var waiting = c.client.awaitAsync(id, Cluster.PATIENCE);
      c.poll("the wait is in", () -> c.client.stats().waiters() == 1);
      c.processes.coordinator().kill9();
      restart(c, List.of());
      JobStatus s = waiting.get(Cluster.PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(Optional.of(DoneReason.DONE), s.reason(), s.error());
      assertEquals("steady", s.worker());
      assertTrue(c.processes.coordinator().output().contains("lease re-adopted"));
    }
  }

  @Test
  void anAgentAwayPastTheGrace_fencesItself_andItsJobEndsCrashed() throws Exception {
    try (Cluster c = cluster(List.of())) {
      ProcessCluster.Node agent = c.worker("cutoff", 1, "--log-level", "debug");
      JobId id = c.client.submit(JobSpec.of("sleep", "60"));
      c.startedOn(agent, id);
      c.processes.coordinator().kill9();
      c.poll("the agent stops its job on its own", () -> agent.output().contains("self-fencing"), agent);
      restart(c, List.of());
      JobStatus s = c.pollFor("crashed", () -> c.status(id), JobStatus::isDone);
      assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
      assertTrue(s.error().contains("self-fencing") || s.error().equals("coordinator restarted"),
          s.error());
    }
  }

  @Test
  void aFrozenAgent_missesTheGrace_andItsJobIsCrashedAsCoordinatorRestarted() throws Exception {
    try (Cluster c = cluster(List.of())) {
      ProcessCluster.Node agent = c.worker("frozen-away", 1, "--log-level", "debug");
      JobId id = c.client.submit(JobSpec.of("sleep", "60"));
      c.startedOn(agent, id);
      agent.freeze();
      try {
        c.processes.coordinator().kill9();
        restart(c, List.of());
        JobStatus s = c.pollFor("crashed after the grace", () -> c.status(id), JobStatus::isDone);
        assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
        assertEquals("coordinator restarted", s.error());
      } finally {
        agent.cont();
      }
      c.poll("the agent is back and has reported its old lease",
          () -> c.client.workers().stream().anyMatch(w -> w.name().equals("frozen-away"))
              && (c.processes.coordinator().output().contains("msg=\"stale lease reported\" worker=frozen-away")
              || c.processes.coordinator().output().contains("msg=\"ignored results for stale leases\" worker=frozen-away")),
          agent);
      assertEquals("coordinator restarted", c.status(id).error(), "the outcome never changes");
    }
  }

  @Test
  void theIdempotencyKey_survivesARestart() throws Exception {
    try (Cluster c = cluster(List.of())) {
      JobSpec spec = JobSpec.newBuilder("nobody-runs-this").idempotencyKey("order-42").build();
      JobId first = c.client.submit(spec);
      c.processes.coordinator().kill9();
      restart(c, List.of());
      assertEquals(first, c.client.submit(spec));
      assertNotEquals(first, c.client.submit(JobSpec.newBuilder("nobody-runs-this")
          .idempotencyKey("order-43").build()));
      assertEquals(2, c.client.stats().pending());
    }
  }

  @Test
  void doneJobsArePurgedAfterTheRetention_andStayPurgedAfterARestart() throws Exception {
    try (Cluster c = cluster(List.of("--max-done-age", "2s"))) {
      JobId id = c.client.submit(JobSpec.of("nobody-runs-this"));
      c.client.cancel(id);
      assertEquals(JobState.DONE, c.status(id).state());
      c.poll("purged", () -> c.status(id).state() == JobState.UNKNOWN);
      c.processes.coordinator().kill9();
      restart(c, List.of("--max-done-age", "2s"));
      assertEquals(JobState.UNKNOWN, c.status(id).state());
    }
  }

  @Test
  void aFullDisk_refusesSubmitsWithUnavailable_andRecoversWhenSpaceReturns() throws Exception {
    Path mnt = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "tmpfs-");
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString())
        .redirectErrorStream(true).start();
    boolean mounted = mount.waitFor() == 0;
    Assumptions.assumeTrue(mounted, "skipped: cannot mount a small tmpfs here (needs root): "
        + new String(mount.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim());
    try (Cluster c = cluster(List.of("--data-dir", mnt.resolve("data").toString()))) {
      JobId before = c.client.submit(JobSpec.of("nobody-runs-this"));
      Path filler = mnt.resolve("filler");
      new ProcessBuilder("dd", "if=/dev/zero", "of=" + filler, "bs=64k").redirectErrorStream(true)
          .start().waitFor();
      try (SpcClient noRetry = SpcClient.newBuilder().target(c.processes.target())
          .submitRetryTimeout(Duration.ZERO).build()) {
        SpcException e = c.pollFor("a refused submit", () -> {
          try {
            // Enough at once to need new pages: a few rows may still fit in free pages.
            noRetry.submitAll(java.util.Collections.nCopies(2000, JobSpec.newBuilder("nobody-runs-this")
                .args("x".repeat(200)).build()));
            return null;
          } catch (SpcException x) {
            return x;
          }
        }, x -> x != null);
        assertTrue(e instanceof SpcException.Unavailable, e.toString());
        assertTrue(e.getMessage().startsWith("storage unavailable"), e.getMessage());
        Files.delete(filler);
        JobId after = c.pollFor("submits accepted again", () -> {
          try {
            return noRetry.submit(JobSpec.of("nobody-runs-this"));
          } catch (SpcException.Unavailable x) {
            return null;
          }
        }, x -> x != null);
        assertEquals(JobState.PENDING, c.status(after).state());
        assertEquals(JobState.PENDING, c.status(before).state());
      }
    } finally {
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
    }
  }
}
