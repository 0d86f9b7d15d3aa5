package dev.spc.worker.internal;

/**
 * Tells a coordinator that has stopped working (paused by {@code SIGSTOP}, a long GC pause) from
 * one that is only quiet, for an agent of a cluster. TCP cannot: a paused process's host still
 * acknowledges every packet, so the stream looks healthy. After a silence of half the heartbeat
 * timeout the agent's heartbeats ask for an echo, which the coordinator's event loop answers; an
 * echo unanswered for the heartbeat timeout means nobody is working there. Meanwhile another
 * coordinator of the cluster has taken the lead, so the agent moves to it, keeping its jobs for
 * the reconnect grace as after a restart. A lone coordinator is waited for instead: nobody else
 * could re-adopt the jobs.
 */
final class CoordinatorProbe {
  private final boolean cluster;
  private boolean supported;
  private long timeoutNanos = 3_000_000_000L;
  private long lastHeardNanos;
  private boolean asking;
  private long askedSinceNanos;
  private long nextEcho = 1;

  CoordinatorProbe(boolean cluster) {
    this.cluster = cluster;
  }

  boolean cluster() {
    return cluster;
  }

  /** A new stream registered: {@code echoes} says whether its coordinator answers echoes. */
  void registered(boolean echoes, long heartbeatTimeoutMs, long nowNanos) {
    supported = echoes;
    timeoutNanos = heartbeatTimeoutMs * 1_000_000L;
    heard(nowNanos);
  }

  /** Something came from the coordinator. */
  void heard(long nowNanos) {
    lastHeardNanos = nowNanos;
    asking = false;
  }

  /** The echo a heartbeat sent now asks for, or 0 for none. */
  long echo(long nowNanos) {
    if (!cluster || !supported || nowNanos - lastHeardNanos < timeoutNanos / 2) {
      return 0;
    }
    if (!asking) {
      asking = true;
      askedSinceNanos = nowNanos;
    }
    return nextEcho++;
  }

  /** An echo asked for has gone unanswered for the heartbeat timeout. */
  boolean unanswered(long nowNanos) {
    return asking && nowNanos - askedSinceNanos >= timeoutNanos;
  }

  long timeoutMillis() {
    return timeoutNanos / 1_000_000L;
  }
}
