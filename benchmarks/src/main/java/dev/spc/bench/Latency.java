package dev.spc.bench;

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

  static Result run(SpcClient spc, int rate, Duration duration) throws Exception {
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
    double achieved = total / ((System.nanoTime() - start) / 1e9);
    Set<String> ids = new HashSet<>(total * 2);
    for (CompletableFuture<JobId> f : submitted) {
      ids.add(f.join().value());
    }
    // Wait for all to be done, then read their timestamps.
    List<JobId> all = submitted.stream().map(CompletableFuture::join).toList();
    spc.await(all.get(all.size() - 1), Duration.ofMinutes(2));
    while (spc.stats().pending() + spc.stats().running() > 0) {
      Thread.sleep(5);
    }
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
