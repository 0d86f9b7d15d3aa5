package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.DoneReason;
import dev.spc.proto.Job;
import dev.spc.proto.store.StoredJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * After a restart: rebuilds the jobs from what the store held. Jobs that were running are
 * orphans until their agent reports their lease (re-adopted, with what is left of their run
 * time) or the reconnect grace ends (then they end CRASHED, "coordinator restarted").
 */
final class Recovery {
  private static final Log log = Log.get(Recovery.class);

  /** A batch being rebuilt: its idempotency key (one copy for all its jobs) and its jobs. */
  private record Batch(String key, List<JobRecord> jobs) {}

  /** A job that was running, under {@code leaseId} granted to agent process {@code agentInstance}. */
  private record Orphan(JobRecord job, long leaseId, int maxSeconds, long agentInstance) {}

  private final CoordinatorConfig cfg;
  private final Clock clock;
  private final JobTable jobs;
  private final LeaseTable leases;
  private final WorkerRegistry workers;
  private final Runnable wakeDispatch;
  /** Jobs that were running, by lease id, until their agent reports them. */
  private final Map<Long, Orphan> orphans = new HashMap<>();
  private long graceEndsNanos;
  private boolean graceStarted;

  Recovery(CoordinatorConfig cfg, Clock clock, JobTable jobs, LeaseTable leases,
      WorkerRegistry workers, Runnable wakeDispatch) {
    this.cfg = cfg;
    this.clock = clock;
    this.jobs = jobs;
    this.leases = leases;
    this.workers = workers;
    this.wakeDispatch = wakeDispatch;
  }

  /**
   * Rebuilds the state from the stored rows (in sequence order), telling {@code restored} of each
   * job; true if there were any.
   */
  boolean recover(Iterable<StoredJob> rows, java.util.function.Consumer<JobRecord> restored) {
    long startNanos = clock.nanos();
    boolean any = false;
    List<JobRecord> done = new ArrayList<>();
    Map<String, Batch> batches = new HashMap<>();
    Instant lastSubmitted = Instant.EPOCH;
    for (StoredJob row : rows) {
      any = true;
      Job p = row.getJob();
      Long seq = jobs.ids().parse(p.getJobId());
      if (seq == null || seq < 0) {
        log.warn("skipped a stored job with a foreign id", "job", p.getJobId());
        continue;
      }
      com.google.protobuf.Timestamp t = p.getSubmittedAt();
      if (t.getSeconds() != lastSubmitted.getEpochSecond() || t.getNanos() != lastSubmitted.getNano()) {
        lastSubmitted = instant(t); // the jobs of a batch share one
      }
      JobRecord j = new JobRecord(seq, jobs.ids(), p.getSpec(), lastSubmitted);
      j.state = p.getState();
      j.reason = p.getDoneReason();
      j.worker = p.getWorker();
      j.error(p.getError());
      j.result(p.getResult());
      j.process(p.hasExitCode() ? p.getExitCode() : null, p.getOutputTail(), p.getStdoutTail(),
          p.getStderrTail());
      Dependencies.restore(j, p.getDependenciesList());
      j.startedAt = p.hasStartedAt() ? instant(p.getStartedAt()) : null;
      j.finishedAt = p.hasFinishedAt() ? instant(p.getFinishedAt()) : null;
      // A job stored before attempts were counted, that had started, was on its first attempt.
      j.attempt = p.getAttempt() == 0 && p.hasStartedAt() ? 1 : p.getAttempt();
      j.maxAttempts = p.getMaxAttempts() > 0 ? p.getMaxAttempts() : Retries.maxAttempts(p.getSpec(), cfg);
      j.attempts = p.getAttemptsCount() == 0 ? null : new ArrayList<>(p.getAttemptsList());
      j.nextAttemptAt = p.hasNextAttemptAt() ? instant(p.getNextAttemptAt()) : null;
      if (p.hasScheduledFor()) {
        j.origin = JobRecord.Origin.fire(p.getScheduleId(), instant(p.getScheduledFor()));
      } else if (!p.getRerunOf().isEmpty()) {
        j.origin = JobRecord.Origin.rerun(p.getRerunOf());
      }
      if (!row.getBatchKey().isEmpty()) {
        Batch b = batches.computeIfAbsent(row.getBatchKey(), k -> new Batch(k, new ArrayList<>()));
        j.batchKey = b.key();
        j.batchIndex = row.getBatchIndex();
        b.jobs().add(j);
      }
      jobs.restore(j);
      restored.accept(j);
      switch (j.state) {
        case JOB_STATE_PENDING, JOB_STATE_SCHEDULED, JOB_STATE_BLOCKED -> { }
        case JOB_STATE_RUNNING -> orphans.put(row.getLeaseId(),
            new Orphan(j, row.getLeaseId(), row.getMaxSeconds(), row.getAgentInstance()));
        default -> done.add(j);
      }
    }
    if (!any) {
      return false;
    }
    for (Batch b : batches.values()) {
      b.jobs().sort(java.util.Comparator.comparingInt(j -> j.batchIndex)); // sorted as read, as a rule
      long[] seqs = b.jobs().stream().mapToLong(j -> j.seq).toArray();
      jobs.restoreBatch(b.key(), seqs, b.jobs().get(0).submittedAt);
    }
    done.sort((a, b) -> a.doneAt().compareTo(b.doneAt()));
    jobs.restoreDone(done);
    graceEndsNanos = clock.nanos() + cfg.reconnectGrace().toNanos();
    log.info("recovered", "pending", jobs.pendingCount(), "running", jobs.runningCount(),
        "done", done.size(), "reconnect_grace_ms", cfg.reconnectGrace().toMillis(),
        "ms", (clock.nanos() - startNanos) / 1_000_000);
    return true;
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /**
   * A lease from before the restart, reported by the worker it was granted to: it is live again,
   * with the same id and what is left of its run time. False if it is no such lease (or its job
   * was done meanwhile, by a cancel).
   */
  boolean adopt(WorkerRecord w, long leaseId) {
    Orphan o = orphans.get(leaseId);
    if (o == null || !o.job().worker.equals(w.name) || o.job().isDone()) {
      return false;
    }
    orphans.remove(leaseId);
    Instant started = o.job().startedAt == null ? clock.now() : o.job().startedAt;
    long ranNanos = java.time.Duration.between(started, clock.now()).toNanos();
    long leftNanos = Math.max(0, o.maxSeconds() * 1_000_000_000L - ranNanos);
    leases.adopt(leaseId, o.job(), w, o.maxSeconds(), clock.nanos() + leftNanos);
    workers.taken(w);
    log.info("lease re-adopted", "worker", w.name, "job", o.job().id(), "lease", leaseId);
    return true;
  }

  /**
   * Leases from before the restart granted to this very agent process ({@code w}'s instance id)
   * that it knows nothing of ({@code known}: its running leases and those whose results it still
   * holds) never reached it: the coordinator stored them and went down before sending, or the
   * stream broke first. Their jobs are pending again at once, on the same attempt, rather than
   * CRASHED when the grace ends. A lease of another process under the same name (an agent
   * restarted after kill -9, which may have started the job) still waits for the grace.
   */
  void neverReached(WorkerRecord w, java.util.Set<Long> known) {
    for (java.util.Iterator<Orphan> it = orphans.values().iterator(); it.hasNext(); ) {
      Orphan o = it.next();
      JobRecord j = o.job();
      if (o.agentInstance() == w.instanceId && j.worker.equals(w.name) && !known.contains(o.leaseId())
          && !j.isDone()) {
        it.remove();
        jobs.returnToPending(j);
        log.info("lease never reached its agent; job pending again", "worker", w.name,
            "job", j.id(), "lease", o.leaseId());
        wakeDispatch.run();
      }
    }
  }

  /**
   * At the end of the reconnect grace, jobs nobody reported end CRASHED. The grace counts from the
   * first tick, when the loop runs and agents can be heard, not from reading the store.
   */
  void tick(long nowNanos) {
    if (!graceStarted) {
      graceStarted = true;
      graceEndsNanos = nowNanos + cfg.reconnectGrace().toNanos();
    }
    if (!orphans.isEmpty() && nowNanos - graceEndsNanos >= 0) {
      log.info("reconnect grace over", "unclaimed_jobs", orphans.size());
      for (Orphan o : List.copyOf(orphans.values())) {
        jobs.finish(o.job(), DoneReason.DONE_REASON_CRASHED, "coordinator restarted", null);
      }
      orphans.clear();
    }
  }
}
