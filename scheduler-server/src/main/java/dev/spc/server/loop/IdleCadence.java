package dev.spc.server.loop;

/**
 * How often an agent that runs no job heartbeats, as a factor of the heartbeat interval: 1 while
 * the fleet has up to {@link #AGENTS_PER_STEP} workers, one more for every step beyond, at most
 * {@link #MAX_FACTOR}. So the heartbeats of idle agents reaching the coordinator stay near
 * {@code AGENTS_PER_STEP} per interval however large the fleet grows (up to ten times that), and
 * a small fleet behaves as if there were no such rule. An idle agent is allowed the heartbeat
 * timeout times the same factor; it holds no job, so nothing waits on its silence, and a lease
 * sent to it restarts the usual timeout (see {@link Liveness}).
 *
 * <p>It comes down only once the fleet is {@link #HYSTERESIS} below a step, so a fleet at a
 * boundary does not make it flap (each change is one message to every agent).
 */
final class IdleCadence {
  static final int AGENTS_PER_STEP = 1000;
  static final int MAX_FACTOR = 10;
  static final int HYSTERESIS = 200;

  private int factor = 1;

  int factor() {
    return factor;
  }

  /** The factor for a fleet of {@code workers}; true if it changed. */
  boolean update(int workers) {
    int wanted = wanted(workers);
    if (wanted > factor || wanted(workers + HYSTERESIS) < factor) {
      factor = wanted;
      return true;
    }
    return false;
  }

  private static int wanted(int workers) {
    return Math.min(MAX_FACTOR, Math.max(1, (workers + AGENTS_PER_STEP - 1) / AGENTS_PER_STEP));
  }
}
