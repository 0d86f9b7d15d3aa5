package dev.spc.worker.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The supervisor with real small processes: exit classification, output, stopping. */
class ExecSupervisorTest {
  final ExecSupervisor sup = new ExecSupervisor(64 << 10);

  ExecSupervisor.Outcome run(byte[] stdin, String... argv) throws Exception {
    return sup.start(List.of(argv), Map.of(), "", stdin).await(() -> false);
  }

  @Test
  void exitZero_succeeds_andTheOutputIsKept() throws Exception {
    ExecSupervisor.Outcome o = run(new byte[0], "sh", "-c", "echo out; echo err >&2");
    assertTrue(o.succeeded());
    String both = new String(o.outputTail(), StandardCharsets.UTF_8);
    assertTrue(both.equals("out\nerr\n") || both.equals("err\nout\n"), both);
    assertEquals("out\n", new String(o.stdoutTail(), StandardCharsets.UTF_8));
    assertEquals("err\n", new String(o.stderrTail(), StandardCharsets.UTF_8));
  }

  @Test
  void eachLine_saysWhichStreamItCameFrom() throws Exception {
    List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    ExecSupervisor.Outcome o = sup.start(List.of("sh", "-c", "echo a; echo b >&2; echo c"), Map.of(), "",
        new byte[0], (stderr, line) -> lines.add((stderr ? "err:" : "out:") + line)).await(() -> false);
    assertTrue(o.succeeded());
    assertEquals(List.of("out:a", "out:c"), lines.stream().filter(l -> l.startsWith("out:")).toList());
    assertEquals(List.of("err:b"), lines.stream().filter(l -> l.startsWith("err:")).toList());
  }

  @Test
  void aSignal_reachesAProgramThatTrapsIt() throws Exception {
    List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    ExecSupervisor.Running p = sup.start(List.of("sh", "-c",
        "trap 'echo got USR1; exit 7' USR1; echo ready; while :; do sleep 0.05; done"), Map.of(), "",
        new byte[0], (stderr, line) -> lines.add(line));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!lines.contains("ready") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    p.sendSignal("USR1");
    ExecSupervisor.Outcome o = p.await(() -> false);
    assertEquals(7, o.exitStatus(), new String(o.outputTail(), StandardCharsets.UTF_8));
    assertTrue(lines.contains("got USR1"), lines.toString());
    assertFalse(o.stoppedByUs(), "a signal is not a stop");
  }

  @Test
  void aNonZeroExit_isReportedWithItsCode() throws Exception {
    ExecSupervisor.Outcome o = run(new byte[0], "sh", "-c", "exit 3");
    assertFalse(o.succeeded());
    assertEquals(3, o.exitStatus());
    assertEquals("exited with code 3", o.describe());
  }

  @Test
  void deathByASignalWeDidNotSend_isNamed() throws Exception {
    ExecSupervisor.Outcome o = run(new byte[0], "sh", "-c", "kill -SEGV $$");
    assertEquals(11, o.signal());
    assertEquals("killed by signal 11 (SIGSEGV)", o.describe());
    assertFalse(o.stoppedByUs());
  }

  @Test
  void thePayloadIsTheProgramsStdin_andEnvAndCwdApply() throws Exception {
    ExecSupervisor.Outcome o = sup.start(List.of("sh", "-c", "cat; echo \" $GREETING\"; pwd"),
        Map.of("GREETING", "hi"), "/tmp", "from stdin".getBytes(java.nio.charset.StandardCharsets.UTF_8)).await(() -> false);
    assertEquals("from stdin hi\n/tmp\n", new String(o.outputTail(), StandardCharsets.UTF_8));
  }

  @Test
  void aFloodOfOutput_neverBlocksTheChild_andKeepsOnlyTheTail() throws Exception {
    ExecSupervisor.Outcome o = run(new byte[0], "sh", "-c", "yes | head -c 20000000");
    assertTrue(o.succeeded());
    assertEquals(20_000_000L, o.outputBytes());
    assertEquals(64 << 10, o.outputTail().length);
    byte[] expected = new byte[64 << 10];
    for (int i = 0; i < expected.length; i += 2) {
      expected[i] = 'y';
      expected[i + 1] = '\n';
    }
    assertArrayEquals(expected, o.outputTail());
  }

  @Test
  void stopping_terminatesTheWholeGroup_grandchildrenIncluded() throws Exception {
    String marker = "987.651";
    long zombiesBefore = zombies();
    AtomicBoolean stop = new AtomicBoolean();
    ExecSupervisor.Running r = sup.start(List.of("sh", "-c", "sleep " + marker + " & sleep 1000"),
        Map.of(), "", new byte[0]);
    awaitProcess(marker);
    stop.set(true);
    ExecSupervisor.Outcome o = r.await(stop::get);
    assertTrue(o.stoppedByUs());
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (processesWith(marker) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, processesWith(marker), "a grandchild survived");
    if (ExecSupervisor.reapsOrphans()) {
      // tini reaps them; anything else counted here belongs to someone else and does not grow
      while (zombies() > zombiesBefore && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(zombies() <= zombiesBefore, "left a zombie");
    }
  }

  @Test
  void aProgramIgnoringSigterm_isKilledByForceStop() throws Exception {
    String marker = "987.652";
    ExecSupervisor.Running r = sup.start(
        List.of("sh", "-c", "trap '' TERM; sleep " + marker + " & wait; sleep 1000"),
        Map.of(), "", new byte[0]);
    awaitProcess(marker);
    r.terminate(); // ignored
    r.forceStop();
    ExecSupervisor.Outcome o = r.await(() -> true);
    assertTrue(o.stoppedByUs());
    // Had SIGTERM ended it, it would have died of signal 15 before the SIGKILL.
    assertEquals(9, o.signal(), o.describe());
  }

  static void awaitProcess(String marker) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (processesWith(marker) == 0) {
      assertTrue(System.nanoTime() < deadline, "the program did not start: " + marker);
      Thread.sleep(10);
    }
  }

  static long processesWith(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .count();
  }

  /** Zombie processes whose parent is init (nobody left to reap them). */
  static long zombies() throws Exception {
    Process ps = new ProcessBuilder("ps", "-eo", "ppid=,stat=,comm=").start();
    String out = new String(ps.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    ps.waitFor();
    return out.lines().filter(l -> l.trim().startsWith("1 ") && l.contains(" Z") && l.contains("sleep")).count();
  }
}
