package dev.spc.server.loop;

import org.jspecify.annotations.Nullable;
/**
 * One lease: the right of one worker to run one job once. Every lease holds a slot of its worker
 * from the moment it exists until the worker reports the job finished (or the lease is dropped
 * unsent, or the worker leaves).
 */
final class LeaseRecord {
  /** What a lease is, explicitly; see {@link LeaseTable} for how one moves between them. */
  enum State {
    /** Its job runs under it: its deadline counts, and what the worker reports is the outcome. */
    LIVE,
    /**
     * Its job is done at the coordinator (cancelled, timed out) but the worker has not confirmed
     * it stopped: the slot stays held, what the worker reports is ignored for the outcome.
     */
    STOPPING,
    /**
     * Reported by an agent, unknown to this coordinator (or no longer its job's): it holds a slot
     * and the agent is told to stop it. It has no job.
     */
    FOREIGN
  }

  final long id;
  /** Null exactly when {@link #state} is FOREIGN. */
  private final @Nullable JobRecord job;
  final WorkerRecord worker;
  final int maxSeconds;
  final long deadlineNanos;
  private State state;

  private LeaseRecord(long id, @Nullable JobRecord job, WorkerRecord worker, int maxSeconds,
      long deadlineNanos, State state) {
    this.id = id;
    this.job = job;
    this.worker = worker;
    this.maxSeconds = maxSeconds;
    this.deadlineNanos = deadlineNanos;
    this.state = state;
  }

  static LeaseRecord live(long id, JobRecord job, WorkerRecord worker, int maxSeconds,
      long deadlineNanos) {
    return new LeaseRecord(id, job, worker, maxSeconds, deadlineNanos, State.LIVE);
  }

  static LeaseRecord foreign(long id, WorkerRecord worker) {
    return new LeaseRecord(id, null, worker, 0, Long.MAX_VALUE, State.FOREIGN);
  }

  /** The job this lease was granted for; a foreign lease has none (check its state first). */
  JobRecord job() {
    if (job == null) {
      throw new IllegalStateException("foreign lease " + id + " has no job");
    }
    return job;
  }

  State state() {
    return state;
  }

  boolean isLive() {
    return state == State.LIVE;
  }

  /** LIVE to STOPPING; false if it was not live. */
  boolean stop() {
    if (state != State.LIVE) {
      return false;
    }
    state = State.STOPPING;
    return true;
  }
}
