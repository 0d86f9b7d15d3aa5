package dev.spc.common;

import java.util.random.RandomGenerator;

/**
 * Jittered, capped exponential backoff: attempt n waits {@code min(cap, first * 2^n)} scaled by
 * a random factor in [0.5, 1.0], so that many clients retrying at once spread out. Used by the
 * agent to reconnect and by the SDK to retry submits.
 */
public record Backoff(long firstMillis, long capMillis) {
  public Backoff {
    if (firstMillis <= 0 || capMillis < firstMillis) {
      throw new IllegalArgumentException("backoff must have 0 < first <= cap, got first="
          + firstMillis + "ms cap=" + capMillis + "ms");
    }
  }

  /** The wait before retry number {@code attempt} (0 for the first retry). */
  public long delayMillis(int attempt, RandomGenerator random) {
    int shift = Math.min(Math.max(attempt, 0), 30);
    long base = Math.min(capMillis, firstMillis << Math.min(shift, Long.numberOfLeadingZeros(firstMillis) - 1));
    return (long) (base * (0.5 + random.nextDouble() / 2));
  }
}
