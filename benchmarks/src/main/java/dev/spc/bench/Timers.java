package dev.spc.bench;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Jobs that wait for a time: what holding them costs the coordinator next to pending ones (the
 * scale section measures those in the same run), and how late their timers fire on an idle
 * coordinator, by the coordinator's own clock (start_at to started_at).
 */
final class Timers {
  private Timers() {}

  /** Where a measurement goes: section, metric, value. */
  interface Rows {
    void add(String section, String metric, String value);
  }

  static void run(Path dir, List<String> jvmFlags, int count, Rows rows, PrintStream out)
      throws Exception {
    out.printf(Locale.ROOT, "timers: %d scheduled jobs held, then timer lateness...%n", count);
    try (ProcessCluster c = new ProcessCluster(Files.createDirectories(dir.resolve("timers")), jvmFlags)) {
      var coord = c.startCoordinator(List.of("--log-level", "warn", "--in-memory",
          "--max-pending", Integer.toString(Math.max(count, 1_000_000))));
      try (SpcClient spc = SpcClient.connect(c.target())) {
        JobSpec later = JobSpec.newBuilder("noop").startAfter(Duration.ofDays(1)).build();
        List<JobSpec> batch = Collections.nCopies(10_000, later);
        for (int n = 0; n < count; n += batch.size()) {
          spc.submitAll(batch.subList(0, Math.min(batch.size(), count - n)));
        }
        rows.add("timers", count + " scheduled jobs: coordinator heap after GC",
            ProcStats.mib(BenchMain.heapUsedAfterGc(coord.pid())));
        rows.add("timers", "scheduled jobs held", Long.toString(spc.stats().scheduled()));
      }
    }
    try (ProcessCluster c = new ProcessCluster(Files.createDirectories(dir.resolve("timers-late")),
        jvmFlags)) {
      c.startCoordinator(List.of("--log-level", "warn", "--in-memory"));
      c.startWorker("timer-agent", List.of("--slots", "64", "--log-level", "warn"));
      try (SpcClient spc = SpcClient.connect(c.target())) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (spc.workers().isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        Instant base = Instant.now().plusSeconds(2);
        List<JobSpec> specs = new ArrayList<>();
        for (int i = 0; i < 500; i++) { // one due every 7 ms, so they do not share a tick
          specs.add(JobSpec.newBuilder("noop").startAt(base.plusMillis(i * 7L)).build());
        }
        List<JobId> ids = spc.submitAll(specs);
        List<Double> lateMs = new ArrayList<>();
        for (JobId id : ids) {
          JobStatus s = spc.await(id, Duration.ofMinutes(1));
          Instant due = java.util.Objects.requireNonNull(s.spec()).startAt();
          if (due != null && s.startedAt() != null) {
            lateMs.add(Duration.between(due, s.startedAt()).toNanos() / 1e6);
          }
        }
        Collections.sort(lateMs);
        rows.add("timers", "start_at -> started, idle, p50 / p99 / max ms", String.format(Locale.ROOT,
            "%.1f / %.1f / %.1f (%d jobs)", pct(lateMs, 50), pct(lateMs, 99),
            lateMs.get(lateMs.size() - 1), lateMs.size()));
      }
    }
  }

  private static double pct(List<Double> sorted, double p) {
    int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
