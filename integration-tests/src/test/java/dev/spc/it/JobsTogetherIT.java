package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.Batch;
import dev.spc.client.DependencyFailure;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Jobs together with real processes and the real CLI: a graph with a crash, a mutex over three
 * agents judged from the agents' own logs, an access-level interruption during a burst, routing
 * by agent labels, and a signal reaching a program that traps it.
 */
class JobsTogetherIT {
  @Test
  void aSixJobGraph_withACrash_cancelsItsBranch_whileTheOtherCompletes() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      c.worker("dag-a", 2);
      c.worker("dag-b", 2);
      String target = c.processes.target();
      String root = Cli.run(target, "submit", "echo", "root").out().strip();
      String crash = Cli.run(target, "submit", "fail", "disk full", "--after", root).out().strip();
      String linked = Cli.run(target, "submit", "echo", "never", "--after", crash).out().strip();
      String grandchild = Cli.run(target, "submit", "echo", "never either", "--after", linked).out().strip();
      String branch = Cli.run(target, "submit", "sleep", "0.3", "--after", root).out().strip();
      Cli.Run monitor = Cli.run(target, "submit", "echo", "cleanup", "--after", grandchild, "--after",
          branch, "--run-anyway", "--wait");
      assertEquals(0, monitor.code(), monitor.out() + monitor.err());
      assertEquals(Optional.of(DoneReason.CRASHED), c.client.await(JobId.of(crash), Cluster.PATIENCE).reason());
      JobStatus l = c.client.await(JobId.of(linked), Cluster.PATIENCE);
      assertEquals(Optional.of(DoneReason.CANCELLED), l.reason());
      assertEquals("cancelled: dependency " + crash + " ended CRASHED (disk full)", l.error());
      JobStatus g = c.client.await(JobId.of(grandchild), Cluster.PATIENCE);
      assertEquals("cancelled: dependency " + linked + " ended CANCELLED (cancelled: dependency " + crash
          + " ended CRASHED (disk full))", g.error());
      assertEquals(0, g.attempt(), "never started");
      assertEquals(Optional.of(DoneReason.DONE), c.client.await(JobId.of(branch), Cluster.PATIENCE).reason());
      Cli.Run status = Cli.run(target, "status", linked);
      assertTrue(status.out().contains("after:     " + crash + " DONE(CRASHED)"), status.out());
      Cli.Run bad = Cli.run(target, "submit", "echo", "x", "--after", root.substring(0, root.lastIndexOf('-') + 1) + "999999");
      assertEquals(2, bad.code(), bad.err());
      assertTrue(bad.err().contains("job.depends_on[0]"), bad.err());
    }
  }

  private static final Pattern EVENT = Pattern.compile(
      "ts=(\\S+) .*msg=\"job (started|finished)\" job=(\\S+) ");

  @Test
  void fiveHundredJobsOnOneKey_overThreeAgents_neverOverlap_byTheAgentsOwnLogs() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      List<ProcessCluster.Node> agents = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        agents.add(c.worker("mutex-" + i, 4, "--log-level", "debug"));
      }
      List<JobSpec> specs = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        specs.add(JobSpec.newBuilder("sleep").args("0.005").concurrencyKey("the-one").priority(i % 3).build());
      }
      List<JobSpec> free = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        free.add(JobSpec.newBuilder("sleep").args("0.2").build());
      }
      List<JobId> ids = new ArrayList<>(c.client.submitAll(specs));
      List<JobId> freeIds = c.client.submitAll(free);
      c.assertAllDone(freeIds, agents.toArray(ProcessCluster.Node[]::new));
      c.assertAllDone(ids, agents.toArray(ProcessCluster.Node[]::new));
      Map<String, Instant[]> runs = new HashMap<>();
      for (ProcessCluster.Node a : agents) {
        Matcher m = EVENT.matcher(a.output());
        while (m.find()) {
          Instant[] r = runs.computeIfAbsent(m.group(3), k -> new Instant[2]);
          r[m.group(2).equals("started") ? 0 : 1] = Instant.parse(m.group(1));
        }
      }
      List<Instant[]> keyed = new ArrayList<>();
      for (JobId id : ids) {
        Instant[] r = runs.get(id.value());
        assertTrue(r != null && r[0] != null && r[1] != null, "both ends logged for " + id);
        keyed.add(r);
      }
      keyed.sort((x, y) -> x[0].compareTo(y[0]));
      for (int i = 1; i < keyed.size(); i++) {
        assertTrue(!keyed.get(i)[0].isBefore(keyed.get(i - 1)[1]), "run " + i + " started "
            + keyed.get(i)[0] + " before the previous one ended " + keyed.get(i - 1)[1]);
      }
      long agentsUsed = ids.stream().map(id -> c.client.status(id).worker()).distinct().count();
      assertTrue(agentsUsed >= 2, "the key's jobs ran on " + agentsUsed + " agents");
    }
  }

  @Test
  void anAccessLevelInterruption_duringABurstOfMixedPriorities() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      for (int i = 1; i <= 3; i++) {
        c.worker("burst-" + i, 4);
      }
      List<JobSpec> specs = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        specs.add(JobSpec.newBuilder("sleep").args("0.3").priority(i % 10).build());
      }
      List<JobId> ids = c.client.submitAll(specs);
      c.poll("some low-priority jobs run", () -> ids.stream().map(c.client::status)
          .anyMatch(s -> s.state() == JobState.RUNNING && s.spec().priority() < 5));
      Cli.Run set = Cli.run(c.processes.target(), "access-level", "5", "--interrupt");
      assertEquals(0, set.code(), set.err());
      Instant setAt = Instant.now();
      assertTrue(set.out().contains("running jobs interrupted"), set.out());
      List<JobId> high = new ArrayList<>();
      for (JobId id : ids) {
        JobStatus s = c.client.status(id);
        if (s.spec().priority() >= 5) {
          high.add(id);
        }
      }
      c.assertAllDone(high);
      int interrupted = 0;
      for (JobId id : ids) {
        JobStatus s = c.client.status(id);
        if (s.spec().priority() < 5) {
          if (s.isDone()) {
            assertTrue(s.reason().equals(Optional.of(DoneReason.DONE)) || s.error().equals(
                "cancelled: interrupted by the access level 5"), s.describe() + " " + s.error());
            interrupted += s.reason().equals(Optional.of(DoneReason.CANCELLED)) ? 1 : 0;
            assertTrue(s.startedAt() == null || s.startedAt().isBefore(setAt.plusSeconds(1)), "started after");
          } else {
            assertEquals(JobState.PENDING, s.state(), id.value());
            assertTrue(s.pendingReason().startsWith("held back by the access level 5"), s.pendingReason());
          }
        }
      }
      assertTrue(interrupted > 0, "some running jobs below the level were interrupted");
      assertEquals(0, Cli.run(c.processes.target(), "access-level", "open").code());
      for (JobId id : ids) {
        assertTrue(c.client.await(id, Cluster.PATIENCE).isDone());
      }
    }
  }

  @Test
  void constraints_routeJobsByAgentLabels_acrossThreeAgents() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      c.worker("eu-1", 2, "--label", "zone=eu");
      c.worker("us-gpu", 2, "--label", "zone=us", "--label", "gpu=a100");
      c.worker("us-cpu", 2, "--label", "zone=us");
      String target = c.processes.target();
      List<String> gpu = new ArrayList<>();
      List<String> us = new ArrayList<>();
      List<String> eu = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        gpu.add(Cli.run(target, "submit", "sleep", "0.05", "--constraint", "gpu=*").out().strip());
        us.add(Cli.run(target, "submit", "sleep", "0.05", "--constraint", "zone=us").out().strip());
        eu.add(Cli.run(target, "submit", "sleep", "0.05", "--constraint", "zone=eu").out().strip());
      }
      String nowhere = Cli.run(target, "submit", "noop", "--constraint", "zone=ap").out().strip();
      for (String id : gpu) {
        assertEquals("us-gpu", c.client.await(JobId.of(id), Cluster.PATIENCE).worker());
      }
      for (String id : eu) {
        assertEquals("eu-1", c.client.await(JobId.of(id), Cluster.PATIENCE).worker());
      }
      for (String id : us) {
        assertTrue(c.client.await(JobId.of(id), Cluster.PATIENCE).worker().startsWith("us-"));
      }
      JobStatus waiting = c.client.status(JobId.of(nowhere));
      assertEquals(JobState.PENDING, waiting.state());
      assertEquals("no connected worker of type 'noop' meets the constraint zone=ap (3 of that type"
          + " connected)", waiting.pendingReason());
      c.worker("ap-1", 1, "--label", "zone=ap");
      assertEquals("ap-1", c.client.await(JobId.of(nowhere), Cluster.PATIENCE).worker());
    }
  }

  @Test
  void sighup_reachesAnExecProgramThatTrapsIt_andItsStreamsStayApart() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      c.worker("exec-1", 1, "--allow-exec");
      String target = c.processes.target();
      String id = Cli.run(target, "submit", "exec", "--", "sh", "-c",
          "trap 'echo reloading config; echo warned >&2; exit 0' HUP; echo ready;"
              + " while true; do sleep 0.05; done").out().strip();
      c.poll("the program is up", () -> {
        try (dev.spc.client.JobWatch w = c.client.watch(JobId.of(id), false)) {
          while (w.hasNext()) {
            dev.spc.client.JobEvent e = w.next();
            if (e.kind() == dev.spc.client.JobEvent.Kind.LOG && e.text().equals("ready")) {
              return e.stream().equals("stdout");
            }
          }
        }
        return false;
      });
      Cli.Run sig = Cli.run(target, "signal", id, "HUP");
      assertEquals(0, sig.code(), sig.err());
      assertTrue(sig.out().contains("sent HUP to " + id + " on exec-1"), sig.out());
      JobStatus done = c.client.await(JobId.of(id), Cluster.PATIENCE);
      assertEquals(Optional.of(DoneReason.DONE), done.reason(), done.error());
      assertEquals("ready\nreloading config\n", new String(done.stdoutTail(), java.nio.charset.StandardCharsets.UTF_8));
      // The whole group got HUP: the shell may also report its sleep's death on stderr.
      String stderr = new String(done.stderrTail(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(stderr.endsWith("warned\n") && !stderr.contains("ready"), stderr);
      Cli.Run logs = Cli.run(target, "logs", id);
      assertTrue(logs.out().contains("reloading config") && !logs.out().contains("warned"), logs.out());
      assertTrue(logs.err().contains("warned"), "stderr lines go to stderr: " + logs.err());
      Cli.Run late = Cli.run(target, "signal", id, "HUP");
      assertTrue(late.code() != 0 && late.err().contains("only a running job can be signalled"), late.err());
      Cli.Run badName = Cli.run(target, "submit", "noop", "--key", "k".repeat(300));
      assertEquals(2, badName.code(), badName.err());
    }
  }

  @Test
  void aBatchGraphFromTheSdk_survivesAKill9OfTheCoordinator() throws Exception {
    try (Cluster c = DurabilityIT.cluster(List.of())) {
      Batch b = Batch.create();
      Batch.Node first = b.add(JobSpec.of("echo", "first"));
      Batch.Node second = b.add(JobSpec.of("echo", "second")).after(first);
      b.add(JobSpec.newBuilder("echo").args("third").onDependencyFailure(DependencyFailure.RUN).build())
          .after(first, second);
      List<JobId> ids = c.client.submit(b);
      assertEquals(JobState.BLOCKED, c.client.status(ids.get(2)).state());
      c.processes.coordinator().kill9();
      DurabilityIT.restart(c, List.of());
      assertEquals(JobState.BLOCKED, c.client.status(ids.get(1)).state(), "still waits after the restart");
      c.worker("late", 2);
      c.assertAllDone(ids);
      assertEquals("third", c.client.status(ids.get(2)).resultText());
    }
  }
}
