package dev.spc.server.loop;

import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Lease;

/**
 * Rules 1, 2, 7 and 9: leases pending jobs to free slots, highest priority first and in
 * submission order, only to workers that registered the type, spreading jobs over workers.
 */
final class Dispatcher {
  private final CoordinatorConfig cfg;
  private final Clock clock;
  private final JobTable jobs;
  private final WorkerRegistry workers;
  private final LeaseTable leases;
  private final WorkerOutbox outbox;
  /**
   * Whether something happened that could match a pending job to a free slot (a submit, a slot
   * freed, a worker registered). Heartbeats do not: with many idle workers and many pending jobs
   * of other types, trying after every heartbeat would cost workers x heartbeats.
   */
  private boolean needed;
  /** Whether the access level lets a job of this priority start. */
  private final java.util.function.IntPredicate admits;
  private final RateLimits rates;

  Dispatcher(CoordinatorConfig cfg, Clock clock, JobTable jobs, WorkerRegistry workers,
      LeaseTable leases, WorkerOutbox outbox, java.util.function.IntPredicate admits, RateLimits rates) {
    this.admits = admits;
    this.rates = rates;
    this.cfg = cfg;
    this.clock = clock;
    this.jobs = jobs;
    this.workers = workers;
    this.leases = leases;
    this.outbox = outbox;
  }

  void wake() {
    needed = true;
  }

  void dispatch() {
    if (!needed) {
      return;
    }
    needed = false;
    boolean progress = true;
    while (progress && jobs.pendingCount() > 0 && workers.anyFree()) {
      progress = false;
      for (WorkerRecord w : workers.freeSnapshot()) {
        // Queues run highest priority first: a head the access level holds back holds back all.
        PendingQueue queue = jobs.queues().best(w, jobs.keys(), rates, admits);
        if (queue == null) {
          continue;
        }
        grant(jobs.lease(queue, w.name), w);
        progress = true;
        workers.rotate(w);
      }
    }
  }

  private void grant(JobRecord job, WorkerRecord w) {
    rates.took(job.spec.getType());
    int max = effectiveMaxSeconds(job.spec);
    if (max == 0) {
      // Rule 7: max_seconds 0 times out as soon as the job starts; no need to bother the agent.
      jobs.finish(job, DoneReason.DONE_REASON_TIMEOUT, Coordinator.timedOut(0), null);
      return;
    }
    LeaseRecord lease = leases.grant(job, w, max, clock.nanos() + max * 1_000_000_000L);
    Lease.Builder l = Lease.newBuilder().setLeaseId(lease.id).setJobId(job.id()).setSpec(job.spec)
        .setMaxSeconds(max).setAttempt(job.attempt).setMaxAttempts(job.maxAttempts);
    if (job.dependencyOutcomes != null) {
      l.addAllDependencies(Dependencies.outcomes(job, Dependencies.LEASE_RESULT_BYTES));
    }
    outbox.lease(w, l.build());
  }

  private int effectiveMaxSeconds(JobSpec spec) {
    return spec.hasMaxSeconds() ? spec.getMaxSeconds() : cfg.defaultMaxSeconds();
  }
}
