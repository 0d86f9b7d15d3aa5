package dev.spc.server.loop;

import dev.spc.common.Log;
import java.util.ArrayList;
import java.util.List;

/**
 * Rule 11 on the coordinator's clock: a worker silent for the heartbeat timeout is lost. If the
 * loop itself stalled (GC, SIGSTOP) for longer than a heartbeat interval, workers get a fresh
 * timeout rather than being declared lost for a silence that was ours.
 */
final class Liveness {
  private static final Log log = Log.get(Liveness.class);
  /**
   * Liveness is judged every 50ms: timeouts are seconds, and a scan touches every worker. A fleet
   * large enough to idle slower (see {@link IdleCadence}) is scanned that much less often.
   */
  static final long SCAN_NANOS = 50_000_000L;

  private final CoordinatorConfig cfg;
  private final WorkerRegistry workers;
  private final WorkerSessions sessions;
  private final long intervalNanos;
  private final long timeoutNanos;
  private long lastTickNanos;
  private long lastScanNanos;

  Liveness(CoordinatorConfig cfg, Clock clock, WorkerRegistry workers, WorkerSessions sessions) {
    this.cfg = cfg;
    this.workers = workers;
    this.sessions = sessions;
    this.intervalNanos = cfg.heartbeatInterval().toNanos();
    this.timeoutNanos = cfg.heartbeatTimeout().toNanos();
    this.lastTickNanos = clock.nanos();
  }

  /** At every tick, before anything else judges time: a stall of ours extends every worker. */
  void noticeStall(long now) {
    long gap = now - lastTickNanos;
    lastTickNanos = now;
    if (gap > intervalNanos && !workers.isEmpty()) {
      log.warn("coordinator stalled; extending worker liveness", "stall_ms", gap / 1_000_000);
      for (WorkerRecord w : workers.all()) {
        w.lastSeenNanos = Math.max(w.lastSeenNanos, now);
      }
    }
  }

  /**
   * Loses the workers silent for longer than the heartbeat timeout: a worker that runs no job is
   * allowed that timeout times {@link WorkerSessions#idleFactor()} (it heartbeats that much less
   * often), and its first job since restarts its clock, so from the lease on it gets the usual
   * timeout to speak.
   */
  void scan(long now) {
    if (now - lastScanNanos < SCAN_NANOS * sessions.idleFactor()) {
      return;
    }
    lastScanNanos = now;
    long idleTimeoutNanos = timeoutNanos * sessions.idleFactor();
    List<WorkerRecord> lost = null;
    for (WorkerRecord w : workers.all()) {
      long heard = w.link.lastHeardNanos();
      if (heard != Long.MIN_VALUE && heard - w.lastSeenNanos > 0) {
        w.lastSeenNanos = heard;
      }
      boolean idle = w.occupied.isEmpty() && w.stuck.isEmpty();
      if (!idle && w.idleAtLastScan && idleTimeoutNanos > timeoutNanos) {
        w.lastSeenNanos = Math.max(w.lastSeenNanos, now);
      }
      w.idleAtLastScan = idle;
      if (now - w.lastSeenNanos > (idle ? idleTimeoutNanos : timeoutNanos)) {
        if (lost == null) {
          lost = new ArrayList<>();
        }
        lost.add(w);
      }
    }
    if (lost != null) {
      for (WorkerRecord w : lost) {
        long allowed = (w.idleAtLastScan ? idleTimeoutNanos : timeoutNanos) / 1_000_000;
        sessions.lose(w, "no heartbeat for " + allowed + "ms");
        w.link.close(Failure.unavailable("no heartbeat within " + allowed
            + "ms; worker declared lost"));
      }
    }
  }
}
