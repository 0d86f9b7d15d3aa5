package dev.spc.server.loop;

import java.time.Instant;

/**
 * The coordinator's sense of time. Deadlines and liveness use {@link #nanos()}, a monotonic
 * reading; timestamps shown to users use {@link #now()}. Tests inject a clock they move by hand.
 */
public interface Clock {
  /** Monotonic nanoseconds, only meaningful as differences. */
  long nanos();

  /** Wall-clock time for timestamps. */
  Instant now();

  /** The real clock: {@link System#nanoTime()} and {@link Instant#now()}. */
  static Clock system() {
    return new Clock() {
      @Override
      public long nanos() {
        return System.nanoTime();
      }

      @Override
      public Instant now() {
        return Instant.now();
      }
    };
  }
}
