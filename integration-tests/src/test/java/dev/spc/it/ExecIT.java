package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** exec jobs through a real coordinator and an agent started with --allow-exec. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecIT {
  Cluster c;
  ProcessCluster.Node agent;

  @BeforeAll
  void start() throws Exception {
    c = new Cluster();
    agent = c.worker("runner", 2, "--allow-exec", "--stop-grace", "1s");
  }

  @AfterAll
  void stop() {
    if (c != null) {
      c.close();
    }
  }

  static JobSpec exec(String... argv) {
    return JobSpec.newBuilder("exec").args(argv).build();
  }

  static String tail(JobStatus s) {
    return new String(s.outputTail(), StandardCharsets.UTF_8);
  }

  @Test
  void aNonZeroExit_isCrashedWithTheCodeAndTheOutput() {
    JobStatus s = c.client.await(c.client.submit(exec("sh", "-c", "echo hi; echo oops >&2; exit 3")),
        Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
    assertEquals(OptionalInt.of(3), s.exitCode());
    assertEquals("exited with code 3", s.error());
    // The streams are read apart: each tail is exact, the combined one interleaves them as read.
    assertEquals("hi\n", new String(s.stdoutTail(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("oops\n", new String(s.stderrTail(), java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(tail(s).equals("hi\noops\n") || tail(s).equals("oops\nhi\n"), tail(s));
  }

  @Test
  void theTraceContext_isInTheProgramsEnvironment() {
    String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    JobSpec spec = JobSpec.newBuilder("exec").args("sh", "-c", "echo \"$TRACEPARENT $TRACESTATE\"")
        .traceContext(parent, "vendor=7").build();
    JobStatus s = c.client.await(c.client.submit(spec), Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.DONE), s.reason(), s.error());
    assertEquals(parent + " vendor=7\n", tail(s));
  }

  @Test
  void payloadIsStdin_envAndCwdApply_andExitZeroIsDone() {
    JobSpec spec = JobSpec.newBuilder("exec").args("sh", "-c", "cat; echo \" $COLOR\"; pwd")
        .payload("from the payload".getBytes(java.nio.charset.StandardCharsets.UTF_8)).env(Map.of("COLOR", "blue")).cwd("/tmp").build();
    JobStatus s = c.client.await(c.client.submit(spec), Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.DONE), s.reason(), s.error());
    assertEquals(OptionalInt.of(0), s.exitCode());
    assertEquals("from the payload blue\n/tmp\n", tail(s));
  }

  @Test
  void aSignalTheJobSentItself_isCrashedNamingTheSignal() {
    JobStatus s = c.client.await(c.client.submit(exec("sh", "-c", "kill -ABRT $$")), Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
    assertEquals("killed by signal 6 (SIGABRT)", s.error());
  }

  @Test
  void cancellingKillsTheWholeProcessGroup_grandchildrenIncluded() throws Exception {
    String marker = "987.72";
    JobId id = c.client.submit(exec("sh", "-c", "sleep " + marker + " & sleep 1000"));
    c.poll("the grandchild is running", () -> count(marker) > 0);
    c.client.cancel(id);
    c.poll("no process of the job is left", () -> count(marker) == 0 && count("sleep 1000") == 0);
    assertEquals(Optional.of(DoneReason.CANCELLED), c.status(id).reason());
  }

  @Test
  void aProgramIgnoringSigterm_isKilledAfterTheGrace_andTheSlotIsFree() throws Exception {
    String marker = "987.73";
    JobId id = c.client.submit(JobSpec.newBuilder("exec")
        .args("sh", "-c", "trap '' TERM; sleep " + marker + " & wait").maxSeconds(1).build());
    JobStatus s = c.client.await(id, Cluster.PATIENCE);
    assertEquals(Optional.of(DoneReason.TIMEOUT), s.reason());
    c.poll("killed after the grace", () -> count(marker) == 0);
    c.poll("both slots free again", () -> c.client.workers().get(0).runningJobIds().isEmpty()
        && c.client.workers().get(0).stuckSlots() == 0);
  }

  @Test
  void yes_neverGrowsAnyMemory_andKeepsOnlyTheTail() throws Exception {
    JobId id = c.client.submit(JobSpec.newBuilder("exec").args("yes").maxSeconds(3).build());
    assertEquals(Optional.of(DoneReason.TIMEOUT), c.client.await(id, Cluster.PATIENCE).reason());
    // The outcome is decided at the deadline; the output arrives when the agent has stopped it.
    JobStatus s = c.pollFor("the output tail", () -> c.status(id), x -> x.outputTail().length > 0);
    assertEquals(64 << 10, s.outputTail().length);
    assertTrue(tail(s).startsWith("y\ny\n") || tail(s).startsWith("\ny\n"));
    long rss = rssKb(agent.pid());
    assertTrue(rss < 512 * 1024, "agent RSS " + rss + " KiB");
  }

  @Test
  void aWatcherThatArrivesLate_getsTheRetainedLinesThenTheRest_untilDone() throws Exception {
    JobId id = c.client.submit(exec("sh", "-c", "echo early; sleep 1.5; echo late"));
    c.poll("the first line is in", () -> {
      try (var w = c.client.watch(id, false)) {
        while (w.hasNext()) {
          if ("early".equals(w.next().text())) {
            return true;
          }
        }
        return false;
      }
    });
    java.util.List<String> seen = new java.util.ArrayList<>();
    JobStatus last = null;
    try (var w = c.client.watch(id)) {
      while (w.hasNext()) {
        var e = w.next();
        if (e.kind() == dev.spc.client.JobEvent.Kind.LOG) {
          seen.add(e.text());
        } else if (e.kind() == dev.spc.client.JobEvent.Kind.STATE) {
          last = e.status();
        }
      }
    }
    assertEquals(java.util.List.of("early", "late"), seen);
    assertEquals(Optional.of(DoneReason.DONE), last.reason());
  }

  @Test
  void withoutAnExecAgent_anExecJobWaits_andSaysWhy() throws Exception {
    try (Cluster other = new Cluster()) {
      other.worker("plain", 1);
      JobStatus s = other.status(other.client.submit(exec("true")));
      assertEquals(JobState.PENDING, s.state());
      assertTrue(s.pendingReason().contains("--allow-exec"), s.pendingReason());
    }
  }

  static long count(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(marker)).orElse(false))
        .count();
  }

  static long rssKb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
