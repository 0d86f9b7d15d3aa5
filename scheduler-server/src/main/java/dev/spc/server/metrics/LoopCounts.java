package dev.spc.server.metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * What the loop counts for metrics, owned by the loop thread: plain fields, no atomics, a map
 * lookup and a few additions per job. A scrape gets a {@link #copy} made on the loop thread (with
 * the rest of the loop's snapshot), so it never reads a field the loop is writing.
 */
final class LoopCounts {
  /** Upper bounds in seconds, from a millisecond to a day: waits in queue and run times. */
  static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
      2.5, 5, 10, 30, 60, 300, 900, 3600, 86400, Double.POSITIVE_INFINITY};
  /** Upper bounds of messages per loop batch. */
  static final double[] BATCH = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096,
      Double.POSITIVE_INFINITY};
  /** Done reasons by their number; 16 covers the enum with room. */
  static final int REASONS = 16;

  /** A histogram: counts per bucket (not cumulative), their sum and count. */
  static final class Hist {
    final double[] bounds;
    final long[] counts;
    double sum;

    Hist(double[] bounds) {
      this.bounds = bounds;
      this.counts = new long[bounds.length];
    }

    void observe(double v) {
      int i = 0;
      while (v > bounds[i]) {
        i++;
      }
      counts[i]++;
      sum += v;
    }

    Hist copy() {
      Hist h = new Hist(bounds);
      System.arraycopy(counts, 0, h.counts, 0, counts.length);
      h.sum = sum;
      return h;
    }
  }

  /** {@code byType}'s histogram of {@code type} (of seconds), made on first use. */
  static Hist of(Map<String, Hist> byType, String type) {
    Hist h = byType.get(type);
    if (h == null) {
      h = new Hist(SECONDS);
      byType.put(type, h);
    }
    return h;
  }

  final Map<String, Hist> wait = new HashMap<>();
  final Map<String, Hist> run = new HashMap<>();
  final Map<String, long[]> finished = new HashMap<>();
  final Hist batches = new Hist(BATCH);
  long busyNanos;
  long workersLost;

  LoopCounts copy() {
    LoopCounts c = new LoopCounts();
    wait.forEach((k, v) -> c.wait.put(k, v.copy()));
    run.forEach((k, v) -> c.run.put(k, v.copy()));
    finished.forEach((k, v) -> c.finished.put(k, v.clone()));
    System.arraycopy(batches.counts, 0, c.batches.counts, 0, batches.counts.length);
    c.batches.sum = batches.sum;
    c.busyNanos = busyNanos;
    c.workersLost = workersLost;
    return c;
  }
}
