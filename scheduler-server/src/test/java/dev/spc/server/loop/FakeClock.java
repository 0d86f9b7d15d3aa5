package dev.spc.server.loop;

import java.time.Duration;
import java.time.Instant;

/** A clock the test moves by hand. */
public final class FakeClock implements Clock {
  private long nanos = 1_000_000_000L;
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  @Override
  public long nanos() {
    return nanos;
  }

  @Override
  public Instant now() {
    return now;
  }

  public void advance(Duration d) {
    nanos += d.toNanos();
    now = now.plus(d);
  }
}
