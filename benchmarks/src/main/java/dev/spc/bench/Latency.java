package dev.spc.bench;

import dev.spc.client.CoordinatorStats;
import dev.spc.client.JobId;
import dev.spc.client.JobPage;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Latency under a steady load: single-job submits at a fixed rate, then submit-to-start and
 * submit-to-done percentiles from the coordinator's own timestamps (one clock).
 */
final class Latency {
  private Latency() {}

  @SuppressWarnings("ArrayRecordComponent") // samples, read once; results are not compared
  record Result(int rate, int jobs, double[] startMs, double[] doneMs, double achievedRate) {
    double pct(double[] sorted, double p) {
      return percentile(sorted, p);
    }
  }

  /** The {@code p}-th percentile of {@code sorted} (nearest rank); NaN if there are none. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Each round of warm-up load. */
  static final Duration WARM_UP_ROUND = Duration.ofSeconds(2);
  /** Warm-up ends after this many rounds even if the compilers are still busy. */
  static final int MAX_WARM_UP_ROUNDS = 20;
  /** Compiling under this share of one core, all the processes together, counts as settled. */
  static final double SETTLED = 0.05;

  /**
   * Runs the load in rounds until the JIT compilers of {@code pids} (the cluster's processes and
   * this one) have settled, and returns the rounds it took. Single submits run code a burn-down
   * does not: after one two-second round the compilers of the coordinator and the client still
   * took a fifth to a third of a core each for ten seconds more, on the same two cores as the
   * run they would have been measured in.
   */
  static int warmUp(SpcClient spc, int rate, List<Long> pids) throws Exception {
    for (int round = 1; ; round++) {
      List<java.util.Map<Long, Double>> before = pids.stream().map(ProcStats::compilerThreads).toList();
      long t0 = System.nanoTime();
      for (CompletableFuture<JobId> f : submitAtRate(spc, rate, WARM_UP_ROUND)) {
        f.join();
      }
      awaitIdle(spc);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double compiling = 0;
      for (int i = 0; i < pids.size(); i++) {
        compiling += compilingSeconds(before.get(i), ProcStats.compilerThreads(pids.get(i)));
      }
      if (compiling / seconds < SETTLED || round == MAX_WARM_UP_ROUNDS) {
        return round;
      }
    }
  }

  /** Until no job is pending or running, for up to two minutes. */
  private static void awaitIdle(SpcClient spc) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    for (CoordinatorStats s = spc.stats(); s.pending() + s.running() > 0; s = spc.stats()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("jobs still pending or running after two minutes: " + s);
      }
      Thread.sleep(5);
    }
  }

  /**
   * Compiler CPU between two readings of a process's compiler threads: what each thread of the
   * second used since the first (all of it, for a thread started since). A thread gone by the
   * second reading had nothing left to compile.
   */
  static double compilingSeconds(java.util.Map<Long, Double> before, java.util.Map<Long, Double> after) {
    double sum = 0;
    for (var e : after.entrySet()) {
      sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0));
    }
    return sum;
  }

  /** Single submits of no-op jobs at {@code rate} a second for {@code duration}; their ids. */
  private static List<CompletableFuture<JobId>> submitAtRate(SpcClient spc, int rate, Duration duration) {
    int total = (int) (rate * duration.toMillis() / 1000);
    List<CompletableFuture<JobId>> submitted = new ArrayList<>(total);
    JobSpec noop = JobSpec.of("noop");
    long start = System.nanoTime();
    long intervalNanos = 1_000_000_000L / rate;
    for (int i = 0; i < total; i++) {
      long due = start + i * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 20_000) {
        LockSupport.parkNanos(wait);
      }
      submitted.add(spc.submitAsync(noop));
    }
    return submitted;
  }

  static Result run(SpcClient spc, int rate, Duration duration) throws Exception {
    long start = System.nanoTime();
    List<CompletableFuture<JobId>> submitted = submitAtRate(spc, rate, duration);
    int total = submitted.size();
    double achieved = total / ((System.nanoTime() - start) / 1e9);
    Set<String> ids = new HashSet<>(total * 2);
    for (CompletableFuture<JobId> f : submitted) {
      ids.add(f.join().value());
    }
    // Wait for all to be done, then read their timestamps.
    List<JobId> all = submitted.stream().map(CompletableFuture::join).toList();
    spc.await(all.get(all.size() - 1), Duration.ofMinutes(2));
    awaitIdle(spc);
    double[] startMs = new double[total];
    double[] doneMs = new double[total];
    int n = 0;
    String token = "";
    do {
      JobPage page = spc.list(JobState.DONE, 1000, token);
      for (JobStatus s : page.jobs()) {
        java.time.Instant submittedAt = s.submittedAt();
        java.time.Instant started = s.startedAt();
        java.time.Instant finished = s.finishedAt();
        if (ids.contains(s.id().value()) && submittedAt != null && started != null && finished != null) {
          startMs[n] = nanosBetween(submittedAt, started) / 1e6;
          doneMs[n] = nanosBetween(submittedAt, finished) / 1e6;
          n++;
        }
      }
      token = page.nextPageToken().orElse("");
    } while (!token.isEmpty());
    double[] st = Arrays.copyOf(startMs, n);
    double[] dn = Arrays.copyOf(doneMs, n);
    Arrays.sort(st);
    Arrays.sort(dn);
    return new Result(rate, n, st, dn, achieved);
  }

  private static long nanosBetween(java.time.Instant a, java.time.Instant b) {
    return Duration.between(a, b).toNanos();
  }
}
