package dev.spc.bench;

import dev.spc.client.CoordinatorStats;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.SpcClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * N no-op jobs through the batch API, as fast as they go: time from the first submit to the
 * N-th outcome, and a check that exactly N ended DONE.
 */
final class Burndown {
  private Burndown() {}

  record Result(long jobs, double seconds, CoordinatorStats stats) {
    double jobsPerSecond() {
      return jobs / seconds;
    }
  }

  /**
   * Burn-downs a measured one follows, each of up to {@link #WARM_UP_ROUND} jobs: on two cores the
   * JIT takes several seconds of load to settle. A 100,000-job burn-down ran 94,000-95,000 jobs/s
   * after one such round and 189,000-198,000 after five.
   */
  static final int WARM_UP_ROUNDS = 5;

  static final int WARM_UP_ROUND = 100_000;

  /** Warms the coordinator and agents up for a burn-down of {@code jobs} (see {@link #WARM_UP_ROUNDS}). */
  static void warmUp(SpcClient spc, int jobs, int batch, int inFlight) throws Exception {
    warmUp(spc, jobs, batch, inFlight, i -> JobSpec.of("noop"));
  }

  /** The same, with the jobs the measured run will have. */
  static void warmUp(SpcClient spc, int jobs, int batch, int inFlight,
      java.util.function.IntFunction<JobSpec> spec) throws Exception {
    for (int round = 0; round < WARM_UP_ROUNDS; round++) {
      run(spc, warmUpRound(jobs), batch, inFlight, spec);
    }
  }

  /** Jobs in each warm-up round before a run of {@code jobs}: as many, up to {@link #WARM_UP_ROUND}. */
  static int warmUpRound(int jobs) {
    return Math.min(jobs, WARM_UP_ROUND);
  }

  static Result run(SpcClient spc, int jobs, int batch, int inFlight) throws Exception {
    return run(spc, jobs, batch, inFlight, i -> JobSpec.of("noop"));
  }

  /** With the {@code i}-th job of each batch made by {@code spec}. */
  static Result run(SpcClient spc, int jobs, int batch, int inFlight,
      java.util.function.IntFunction<JobSpec> spec) throws Exception {
    CoordinatorStats before = spc.stats();
    List<JobSpec> one = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      one.add(spec.apply(i));
    }
    Semaphore window = new Semaphore(inFlight);
    List<CompletableFuture<List<JobId>>> submits = new ArrayList<>();
    long start = System.nanoTime();
    for (int sent = 0; sent < jobs; sent += batch) {
      List<JobSpec> specs = sent + batch <= jobs ? one : one.subList(0, jobs - sent);
      window.acquire();
      CompletableFuture<List<JobId>> f = spc.submitAllAsync(specs);
      submits.add(f.whenComplete((ids, e) -> window.release()));
    }
    for (CompletableFuture<List<JobId>> f : submits) {
      f.join();
    }
    // Counted by what ended since the coordinator started: the done jobs it holds stop growing
    // at its retention limit (--max-done), which a long run or several rounds pass.
    long target = before.finishedTotal() + jobs;
    CoordinatorStats s = spc.stats();
    while (s.finishedTotal() < target) {
      Thread.sleep(pollMillis(target - s.finishedTotal(), s.finishedTotal() - before.finishedTotal(),
          System.nanoTime() - start));
      s = spc.stats();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long ok = s.finishedDoneTotal() - before.finishedDoneTotal();
    if (ok != jobs || s.finishedTotal() != target) {
      throw new IllegalStateException("expected exactly " + jobs + " DONE, got " + ok
          + " (stats " + s + ")");
    }
    return new Result(jobs, secs, s);
  }

  /**
   * How long to wait before asking again: half the time the jobs left should take at the rate so
   * far, between 1 and 50 ms. Asking every millisecond would load the coordinator under test with
   * a thousand stats calls a second; this asks about twenty times a second and still ends within a
   * millisecond of the last outcome.
   */
  static long pollMillis(long left, long doneSoFar, long elapsedNanos) {
    if (doneSoFar <= 0 || elapsedNanos <= 0) {
      return 1;
    }
    double leftMillis = left * (elapsedNanos / 1e6) / doneSoFar;
    return Math.max(1, Math.min(50, (long) (leftMillis / 2)));
  }
}
