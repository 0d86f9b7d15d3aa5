package dev.spc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.client.SpcClient;
import dev.spc.common.FileTrees;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.testing.InProcessCoordinator;
import dev.spc.worker.WorkerAgent;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The benchmark's measuring parts, on a small in-process cluster: they must count right. */
class BenchPartsTest {
  @Test
  void burndownAndLatencyCountEveryJob() throws Exception {
    InProcessCoordinator coordinator = InProcessCoordinator.start(CoordinatorConfig.defaults());
    ManagedChannel agentCh = coordinator.channel();
    ManagedChannel clientCh = coordinator.channel();
    WorkerAgent agent = WorkerAgent.newBuilder().channel(agentCh).name("w").slots(16).build().start();
    try (SpcClient spc = SpcClient.create(clientCh)) {
      Burndown.Result r = Burndown.run(spc, 3000, 700, 2);
      assertEquals(3000, r.jobs());
      assertEquals(3000, r.stats().doneDone());
      assertTrue(r.jobsPerSecond() > 0);
      Latency.Result l = Latency.run(spc, 500, Duration.ofSeconds(1));
      assertEquals(500, l.jobs());
      assertTrue(l.pct(l.startMs(), 50) <= l.pct(l.startMs(), 99));
      assertTrue(l.pct(l.doneMs(), 99) >= l.pct(l.startMs(), 99));
    } finally {
      agent.close();
      coordinator.close();
    }
  }

  @Test
  void compilerTimeIsCountedThreadByThread() {
    var before = java.util.Map.of(1L, 2.0, 2L, 5.0, 3L, 1.0);
    var after = java.util.Map.of(1L, 2.5, 2L, 5.0, 4L, 0.25); // 3 ended, 4 started
    assertEquals(0.75, Latency.compilingSeconds(before, after), 1e-9);
    assertEquals(0.0, Latency.compilingSeconds(after, after), 1e-9);
  }

  @Test
  void thisProcessHasCompilerThreadsToRead() {
    var threads = ProcStats.compilerThreads(ProcessHandle.current().pid());
    assertFalse(threads.isEmpty(), "a JVM with a JIT has C1 or C2 threads");
    assertTrue(threads.values().stream().allMatch(v -> v >= 0), threads.toString());
    assertTrue(ProcStats.compilerThreads(Long.MAX_VALUE).isEmpty(), "no such process: nothing");
  }

  @Test
  void latencyWarmUpRunsEveryJobOfARound_andStopsWhenNothingCompiles() throws Exception {
    InProcessCoordinator coordinator = InProcessCoordinator.start(CoordinatorConfig.defaults());
    WorkerAgent agent = WorkerAgent.newBuilder().channel(coordinator.channel()).name("w").slots(16).build().start();
    try (SpcClient spc = SpcClient.create(coordinator.channel())) {
      long before = spc.stats().finishedTotal();
      // No process to watch compiles nothing: one round, and every job of it ran.
      assertEquals(1, Latency.warmUp(spc, 200, java.util.List.of()));
      assertEquals(before + 400, spc.stats().finishedTotal());
    } finally {
      agent.close();
      coordinator.close();
    }
  }

  @Test
  void theLogDirectoryKeepsLogs_andDropsTheStores() throws Exception {
    Path dir = LogDir.create();
    try {
      Files.writeString(dir.resolve("coordinator.log"), "log");
      Path store = Files.createDirectories(dir.resolve("sqlite/data"));
      Files.writeString(store.resolve("spc.db"), "rows");
      Files.writeString(dir.resolve("sqlite/coordinator.log"), "log");
      Files.createDirectories(dir.resolve("data/data"));
      LogDir.dropStores(dir);
      assertTrue(Files.exists(dir.resolve("coordinator.log")));
      assertTrue(Files.exists(dir.resolve("sqlite/coordinator.log")));
      assertFalse(Files.exists(dir.resolve("sqlite/data")), "the store went");
      assertFalse(Files.exists(dir.resolve("data")), "and one inside another");
    } finally {
      FileTrees.delete(dir);
    }
  }

  @Test
  void burndownAsksLessOftenWhileMuchIsLeftAndEveryMillisecondAtTheEnd() {
    long second = 1_000_000_000L;
    assertEquals(1, Burndown.pollMillis(100, 0, second), "no rate yet");
    assertEquals(50, Burndown.pollMillis(500_000, 100_000, second), "5 s left: at most 50 ms");
    assertEquals(10, Burndown.pollMillis(2_000, 100_000, second), "20 ms left: half of it");
    assertEquals(1, Burndown.pollMillis(50, 100_000, second), "0.5 ms left: 1 ms");
  }

  @Test
  void burndownCountsRoundsPastTheRetentionLimit() throws Exception {
    InProcessCoordinator coordinator = InProcessCoordinator.start(
        CoordinatorConfig.newBuilder().maxDoneJobs(1000).build());
    ManagedChannel agentCh = coordinator.channel();
    ManagedChannel clientCh = coordinator.channel();
    WorkerAgent agent = WorkerAgent.newBuilder().channel(agentCh).name("w").slots(16).build().start();
    try (SpcClient spc = SpcClient.create(clientCh)) {
      for (int round = 0; round < 2; round++) {
        Burndown.Result r = Burndown.run(spc, 1500, 500, 2);
        assertEquals(1500, r.jobs());
        assertEquals(1000, r.stats().done(), "only the newest are held");
      }
    } finally {
      agent.close();
      coordinator.close();
    }
  }

  @Test
  void warmUpRunsFiveRoundsOfTheMeasuredJobsUpToAHundredThousand() throws Exception {
    assertEquals(100_000, Burndown.warmUpRound(500_000));
    assertEquals(100_000, Burndown.warmUpRound(100_000));
    assertEquals(2_000, Burndown.warmUpRound(2_000));
    InProcessCoordinator coordinator = InProcessCoordinator.start(CoordinatorConfig.newBuilder().build());
    WorkerAgent agent = WorkerAgent.newBuilder().channel(coordinator.channel()).name("w").slots(16).build().start();
    try (SpcClient spc = SpcClient.create(coordinator.channel())) {
      Burndown.warmUp(spc, 300, 100, 2);
      assertEquals(5 * 300, spc.stats().finishedDoneTotal(), "five rounds of the measured run's size");
    } finally {
      agent.close();
      coordinator.close();
    }
  }

  @Test
  void transportBaselineClientWritesWhatItMeasured() throws Exception {
    Path dir = Files.createTempDirectory("transport");
    io.grpc.Server echo = EchoServer.start();
    try {
      Path result = dir.resolve("result");
      TransportBaseline.main(new String[] {"127.0.0.1:" + echo.getPort(), "1", "30,100", result.toString()});
      TransportBaseline.Result r = TransportBaseline.Result.parse(Files.readString(result));
      assertTrue(r.roundTripsPerSecond() > 0, r.toString());
      assertTrue(r.window() == 30 || r.window() == 100, r.toString());
      assertTrue(r.p50() > 0 && r.p50() <= r.p99() && r.p99() <= r.p999(), r.toString());
      assertEquals(r, TransportBaseline.Result.parse(r.line()));
      assertThrows(IllegalArgumentException.class, () -> TransportBaseline.Result.parse("12.5 100 0.1"));
    } finally {
      echo.shutdownNow();
      FileTrees.delete(dir);
    }
  }

  @Test
  void procStatsReadsThisProcess() {
    ProcStats s = ProcStats.of(ProcessHandle.current().pid());
    assertTrue(s.cpuSeconds() > 0, s.toString());
    assertTrue(s.peakRssBytes() >= s.rssBytes() && s.rssBytes() > 0, s.toString());
  }
}
