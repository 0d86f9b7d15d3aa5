package dev.spc.worker.internal;

import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When the agent heartbeats: every heartbeat interval while it runs jobs, every idle interval
 * while it runs none ({@code Registered.idle_heartbeat_interval_ms}, changed later by a
 * {@code Cadence} message), and back to the short interval as soon as a lease arrives, since the
 * coordinator allows a busy agent only the usual timeout. On the agent's thread.
 */
final class HeartbeatPace {
  private final AgentClock clock;
  private final BooleanSupplier idle;
  private final BooleanSupplier beat;
  private long intervalMs = 1_000;
  private long idleIntervalMs = 1_000;
  private AgentClock.@Nullable Timer timer;
  private boolean idlePace;

  /**
   * @param idle whether the agent runs no job now
   * @param beat sends one heartbeat; false to stop heartbeating (the stream is gone)
   */
  HeartbeatPace(AgentClock clock, BooleanSupplier idle, BooleanSupplier beat) {
    this.clock = clock;
    this.idle = idle;
    this.beat = beat;
  }

  /** Starts heartbeating (again) at these intervals; an idle interval of 0 means the same. */
  void start(long intervalMs, long idleIntervalMs) {
    this.intervalMs = intervalMs;
    this.idleIntervalMs = Math.max(intervalMs, idleIntervalMs);
    schedule();
  }

  /**
   * The coordinator changed the idle interval: it applies from the next heartbeat on. Not
   * rescheduling keeps the fleet's heartbeats spread out (every agent gets this message at once);
   * the coordinator allows an idle agent three of the longer intervals, so the one pending beat
   * at the old pace is always in time.
   */
  void idleInterval(long ms) {
    idleIntervalMs = Math.max(intervalMs, ms);
  }

  /** Leases arrived: an idle agent's next heartbeat is now due within the short interval. */
  void leasesArrived() {
    if (timer != null && idlePace && !idle.getAsBoolean()) {
      schedule();
    }
  }

  void cancel() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private void schedule() {
    cancel();
    idlePace = idle.getAsBoolean();
    timer = clock.schedule(this::fire, idlePace ? idleIntervalMs : intervalMs);
  }

  private void fire() {
    timer = null;
    if (beat.getAsBoolean()) {
      schedule();
    }
  }
}
