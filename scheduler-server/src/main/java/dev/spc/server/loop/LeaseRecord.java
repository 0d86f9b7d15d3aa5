package dev.spc.server.loop;

/**
 * One lease: the right of one worker to run one job once. A lease is live while its job runs
 * under it; once the job is done at the coordinator (cancel, timeout) the lease is stopping and
 * still holds the worker's slot until the worker reports the job stopped.
 */
final class LeaseRecord {
  final long id;
  /** Null for a lease the agent reported holding that this coordinator does not know. */
  final JobRecord job;
  final WorkerRecord worker;
  final int maxSeconds;
  final long deadlineNanos;
  boolean live;

  LeaseRecord(long id, JobRecord job, WorkerRecord worker, int maxSeconds, long deadlineNanos,
      boolean live) {
    this.id = id;
    this.job = job;
    this.worker = worker;
    this.maxSeconds = maxSeconds;
    this.deadlineNanos = deadlineNanos;
    this.live = live;
  }
}
