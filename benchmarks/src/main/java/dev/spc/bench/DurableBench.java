package dev.spc.bench;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobSpec;
import dev.spc.client.SpcClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The durable section: the burn-down in each storage engine (fsync per group commit) next to the
 * in-memory one of the same run, and how long a coordinator takes to come back holding a million
 * stored jobs after {@code kill -9}.
 */
final class DurableBench {
  private DurableBench() {}

  /** The engines of {@code --store-engine}, as the rows name them. */
  enum Engine {
    LOG("log", "log store"),
    SQLITE("sqlite", "SQLite store");

    final String option;
    final String label;

    Engine(String option, String label) {
      this.option = option;
      this.label = label;
    }
  }

  /** The burn-down's jobs/s with jobs kept in {@code engine}. */
  static double burndown(BenchMain b, Path dir, List<String> jvm, Engine engine) throws Exception {
    Path engineDir = Files.createDirectories(dir.resolve(engine.option));
    try (ProcessCluster cluster = new ProcessCluster(engineDir, jvm)) {
      b.startCluster(cluster, engineDir, List.of("--data-dir=" + engineDir.resolve("data"),
          "--store-engine=" + engine.option), List.of());
      try (SpcClient spc = SpcClient.connect(cluster.target())) {
        b.awaitWorkers(spc);
        return b.burndown(spc, cluster, Double.NaN, " " + engine.label);
      }
    }
  }

  /**
   * Stores {@code jobs} pending jobs (in the default engine, the log store), kills the coordinator with SIGKILL, starts it
   * again on the same directory and times it until it answers holding them all. Reported next to
   * the same start on an empty directory, so the JVM's own start-up is visible.
   */
  static void recovery(BenchMain b, Path dir, List<String> jvm, int jobs) throws Exception {
    b.out.printf(Locale.ROOT, "recovery: %d stored pending jobs, kill -9, restart...%n", jobs);
    Path recDir = Files.createDirectories(dir.resolve("recovery"));
    List<String> args = List.of("--log-level", "warn", "--data-dir=" + recDir.resolve("data"),
        "--max-pending", Integer.toString(Math.max(jobs, 1_000_000)));
    try (ProcessCluster c = new ProcessCluster(recDir, jvm)) {
      long t0 = System.nanoTime();
      c.startCoordinator(args);
      try (SpcClient spc = SpcClient.connect(c.target())) {
        awaitPending(spc, 0);
        double empty = (System.nanoTime() - t0) / 1e9;
        List<JobSpec> specs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
          specs.add(JobSpec.of("noop"));
        }
        for (int n = 0; n < jobs; n += specs.size()) {
          spc.submitAll(specs.subList(0, Math.min(specs.size(), jobs - n)));
        }
        c.coordinator().kill9();
        long t1 = System.nanoTime();
        c.restartCoordinator(args);
        // A new connection, as a fresh client would make: the one above lost its coordinator and
        // waits out gRPC's reconnect backoff (1 s, then 1.6 times longer each try), which would
        // add up to seconds of the client's own to the coordinator's restart.
        try (SpcClient fresh = SpcClient.connect(c.target())) {
          awaitPending(fresh, jobs);
        }
        double full = (System.nanoTime() - t1) / 1e9;
        b.row("durable", "restart to serving, empty store (JVM start)", String.format(Locale.ROOT, "%.2f s", empty));
        b.row("durable", "restart to serving, " + jobs + " stored jobs after kill -9",
            String.format(Locale.ROOT, "%.2f s", full));
      }
    }
  }

  /** Until the coordinator answers with {@code pending} jobs pending. */
  private static void awaitPending(SpcClient spc, long pending) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (true) {
      try {
        if (spc.stats().pending() == pending) {
          return;
        }
      } catch (dev.spc.client.SpcException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the coordinator did not come back with " + pending + " pending jobs");
      }
      Thread.sleep(5);
    }
  }
}
