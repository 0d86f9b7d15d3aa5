package dev.spc.worker.internal;

/**
 * A token bucket for one job's log lines: {@code perSecond} on average, bursts of {@code burst}.
 * Not thread-safe: its owner synchronizes.
 */
final class LogRateLimiter {
  private final double perSecond;
  private final double burst;
  private double tokens;
  private long atNanos;
  private boolean started;

  LogRateLimiter(double perSecond, double burst) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  /** Takes a token if there is one at {@code nowNanos}. */
  boolean tryAcquire(long nowNanos) {
    if (!started) {
      started = true;
      atNanos = nowNanos;
    }
    tokens = Math.min(burst, tokens + (nowNanos - atNanos) / 1e9 * perSecond);
    atNanos = nowNanos;
    if (tokens < 1) {
      return false;
    }
    tokens--;
    return true;
  }
}
