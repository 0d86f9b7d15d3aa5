package dev.spc.worker.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobSpec;
import dev.spc.proto.Lease;
import dev.spc.worker.JobCancelledException;
import dev.spc.worker.JobFailedException;
import dev.spc.worker.internal.JobRun;
import dev.spc.worker.internal.JobRunAccess;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BuiltinsTest {
  static JobRun run(String type, String... args) {
    return new JobRun(Lease.newBuilder().setLeaseId(1).setJobId("x-1")
        .setSpec(JobSpec.newBuilder().setType(type).addAllArgs(List.of(args)).setMaxSeconds(60)).build());
  }

  @Test
  void echoJoinsArgsWithSpaces() throws Exception {
    JobRun r = run("echo", "a", "b c");
    Builtins.all().get("echo").handle(r);
    assertEquals("a b c", new String(JobRunAccess.result(r), StandardCharsets.UTF_8));
  }

  @Test
  void failThrowsWithArgZeroAsTheMessage() {
    var e = assertThrows(JobFailedException.class, () -> Builtins.all().get("fail").handle(run("fail", "boom")));
    assertEquals("boom", e.getMessage());
  }

  @Test
  void sleepTakesFractionalSecondsAndRefusesGarbage() throws Exception {
    long t0 = System.nanoTime();
    Builtins.all().get("sleep").handle(run("sleep", "0.05"));
    assertTrue(System.nanoTime() - t0 >= 50_000_000L);
    var e = assertThrows(JobFailedException.class, () -> Builtins.all().get("sleep").handle(run("sleep", "soon")));
    assertEquals("sleep: args[0] must be a number of seconds between 0 and 604800, got 'soon'", e.getMessage());
  }

  @Test
  void sleepHonoursCancellation() throws Exception {
    JobRun r = run("sleep", "600");
    CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
      try {
        Builtins.all().get("sleep").handle(r);
        return null;
      } catch (Throwable t) {
        return t;
      }
    });
    JobRunAccess.requestStop(r, "cancelled");
    assertTrue(f.get(5, TimeUnit.SECONDS) instanceof JobCancelledException);
  }

  @Test
  void spinIgnoresInterruptsAndCancellation() throws Exception {
    JobRun r = run("spin", "0.3");
    Thread t = new Thread(() -> {
      try {
        Builtins.all().get("spin").handle(r);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    JobRunAccess.bind(r, t);
    t.start();
    Thread.sleep(50);
    JobRunAccess.requestStop(r, "stop");
    t.join(100);
    assertTrue(t.isAlive(), "spin stopped early");
    t.join(5000);
    assertTrue(new String(JobRunAccess.result(r), StandardCharsets.UTF_8).startsWith("spun"));
  }

  @Test
  void resultsOverOneMiB_areRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> run("x").setResult(new byte[(1 << 20) + 1]));
    assertEquals("result is 1048577 bytes, limit 1048576", e.getMessage());
  }
}
