package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.CancelJobResponse;
import dev.spc.proto.DoneReason;
import dev.spc.proto.EmptyMaps;
import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.ListWorkersResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What clients ask of jobs: add (rules 1, 14; idempotency and capacity), status (rule 3), cancel
 * (rule 4), the workers list and the counters (listing jobs is {@link JobListing}).
 */
final class JobRequests {
  private static final Log log = Log.get(JobRequests.class);
  static final int MAX_PAGE_SIZE = 1000;
  static final int DEFAULT_PAGE_SIZE = 100;

  private final CoordinatorConfig cfg;
  private final Clock clock;
  private final SpecValidator validator;
  private final Durability commits;
  private final JobTable jobs;
  private final WorkerRegistry workers;
  private final LeaseTable leases;
  private final WorkerOutbox outbox;
  private final Runnable wakeDispatch;
  /** Why a pending job is held back (access level, key, rate, constraints; "" when it is not). */
  private final java.util.function.Function<JobRecord, String> heldBack;
  private final Dependencies deps;

  JobRequests(CoordinatorConfig cfg, Clock clock, Durability commits, JobTable jobs,
      WorkerRegistry workers, LeaseTable leases, WorkerOutbox outbox, Runnable wakeDispatch,
      java.util.function.Function<JobRecord, String> heldBack, Dependencies deps) {
    this.heldBack = heldBack;
    this.deps = deps;
    this.cfg = cfg;
    this.clock = clock;
    this.validator = new SpecValidator(cfg);
    this.commits = commits;
    this.jobs = jobs;
    this.workers = workers;
    this.leases = leases;
    this.outbox = outbox;
    this.wakeDispatch = wakeDispatch;
  }

  /** Refuses a write while the storage is down; true if refused. */
  private boolean refuseWrite(Reply<?> reply) {
    return commits.refuseWrite(reply);
  }

  void submit(List<JobSpec> specs, boolean batch, String batchKey, boolean shuttingDown,
      Reply<List<String>> reply) {
    if (shuttingDown) {
      reply.fail(Failure.unavailable(ShutdownHandshake.STOPPING));
      return;
    }
    if (refuseWrite(reply)) {
      return;
    }
    if (batch && specs.isEmpty()) {
      reply.fail(Failure.invalid("jobs must not be empty"));
      return;
    }
    if (batchKey.length() > SpecValidator.MAX_IDEMPOTENCY_KEY) {
      reply.fail(Failure.invalid("idempotency_key is " + batchKey.length() + " characters, limit "
          + SpecValidator.MAX_IDEMPOTENCY_KEY));
      return;
    }
    List<String> first = batchKey.isEmpty() ? null : jobs.batch(batchKey);
    if (first != null) {
      if (first.size() != specs.size()) {
        reply.fail(Failure.invalid("idempotency_key '" + SpecValidator.shorten(batchKey)
            + "' was used for a batch of " + first.size() + " jobs, this one has " + specs.size()));
      } else {
        reply.ok(first);
      }
      return;
    }
    if (specs.size() > cfg.maxBatchSize()) {
      reply.fail(Failure.invalid(
          "jobs has " + specs.size() + " specs, limit " + cfg.maxBatchSize() + " per batch"));
      return;
    }
    int fresh = 0;
    Set<String> keysInBatch = null;
    List<java.util.Map<String, String>> constraints = new ArrayList<>(specs.size());
    Instant now = clock.now();
    for (int i = 0; i < specs.size(); i++) {
      JobSpec spec = EmptyMaps.share(specs.get(i)); // before its maps are first read
      // Checked as "job"; a batch's refusal names its index (built only then: this is per job).
      String problem = validator.check("job", spec, now);
      if (problem != null) {
        reply.fail(Failure.invalid(batch ? "jobs[" + i + "]" + problem.substring("job".length()) : problem));
        return;
      }
      constraints.add(validator.lastConstraints());
      if (spec.getDependsOnCount() > 0 || spec.getDependsOnIndexCount() > 0) {
        Object resolved = Dependencies.resolve(batch ? "jobs[" + i + "]" : "job", spec, i, jobs,
            java.util.Collections.nCopies(i, ""));
        if (resolved instanceof String bad) {
          reply.fail(Failure.invalid(bad));
          return;
        }
      }
      String key = spec.getIdempotencyKey();
      if (key.isEmpty()) {
        fresh++;
      } else if (jobs.idOfKey(key) == null) {
        if (keysInBatch == null) {
          keysInBatch = new HashSet<>();
        }
        if (keysInBatch.add(key)) {
          fresh++;
        }
      }
    }
    int pending = jobs.pendingCount() + jobs.scheduledCount() + jobs.blockedCount();
    if (pending + fresh > cfg.maxPendingJobs()) {
      reply.fail(new Failure(Failure.Code.RESOURCE_EXHAUSTED, "pending queue is full: "
          + pending + " jobs pending or scheduled, capacity " + cfg.maxPendingJobs()
          + (fresh > 1 ? ", batch adds " + fresh : "")));
      return;
    }
    List<String> out = new ArrayList<>(specs.size());
    long[] seqs = batchKey.isEmpty() ? null : new long[specs.size()];
    for (JobSpec spec : specs) {
      String key = spec.getIdempotencyKey();
      String existing = key.isEmpty() ? null : jobs.idOfKey(key);
      long seq;
      if (existing != null) {
        seq = JobIds.sequenceOf(existing);
        out.add(existing);
      } else {
        JobRecord job = spec.getDependsOnCount() > 0 || spec.getDependsOnIndexCount() > 0
            ? addBlocked(spec, now, batchKey, out)
            : jobs.add(spec, now, batchKey, out.size(), false, constraints.get(out.size()));
        seq = job.seq;
        out.add(job.id());
      }
      if (seqs != null) {
        seqs[out.size() - 1] = seq;
      }
    }
    wakeDispatch.run();
    if (seqs != null) {
      jobs.addBatch(batchKey, seqs, now);
    }
    reply.ok(out);
  }

  /**
   * Each spec submitted on its own, exactly as a single submit ({@link #submit} of one spec):
   * one outcome per spec. Refused whole, creating nothing, only for what would refuse every one
   * of them (a shutdown, the storage down) and for more specs than a batch may hold.
   */
  void submitEach(List<JobSpec> specs, boolean shuttingDown, Reply<List<Msg.Outcome>> reply) {
    if (shuttingDown) {
      reply.fail(Failure.unavailable(ShutdownHandshake.STOPPING));
      return;
    }
    if (refuseWrite(reply)) {
      return;
    }
    if (specs.isEmpty()) {
      reply.fail(Failure.invalid("jobs must not be empty"));
      return;
    }
    if (specs.size() > cfg.maxBatchSize()) {
      reply.fail(Failure.invalid(
          "jobs has " + specs.size() + " specs, limit " + cfg.maxBatchSize() + " per call"));
      return;
    }
    List<Msg.Outcome> outcomes = new ArrayList<>(specs.size());
    Reply<List<String>> one = new Reply<>() {
      @Override
      public void ok(List<String> ids) {
        outcomes.add(new Msg.Outcome(ids.get(0), null));
      }

      @Override
      public void fail(Failure failure) {
        outcomes.add(new Msg.Outcome("", failure));
      }
    };
    for (JobSpec spec : specs) {
      int before = outcomes.size();
      submit(List.of(spec), false, "", false, one);
      if (outcomes.size() != before + 1) {
        throw new IllegalStateException("a submit answers before it returns, once");
      }
    }
    reply.ok(outcomes);
  }

  /** A job with dependencies, stored with them as ids: BLOCKED until they are done. */
  private JobRecord addBlocked(JobSpec spec, Instant now, String batchKey, List<String> batchIds) {
    @SuppressWarnings("unchecked")
    List<String> ids = (List<String>) Dependencies.resolve("job", spec, batchIds.size(), jobs, batchIds);
    JobSpec resolved = spec.toBuilder().clearDependsOn().addAllDependsOn(ids).clearDependsOnIndex().build();
    JobRecord job = jobs.add(resolved, now, batchKey, batchIds.size(), true, Labels.constraintsOf(resolved));
    deps.attach(job);
    return job;
  }

  void get(String id, Reply<Job> reply) {
    Long seq = jobs.ids().parse(id);
    if (seq == null) {
      reply.fail(Failure.invalid(JobIds.malformed("job_id", id)));
      return;
    }
    JobRecord job = jobs.get(seq);
    reply.ok(job == null ? Views.unknown(id) : view(job));
  }

  /** Rule 4: at once at the coordinator; a running job's worker is told to stop it. */
  void cancel(String id, Reply<CancelJobResponse> reply) {
    Long seq = jobs.ids().parse(id);
    if (seq == null) {
      reply.fail(Failure.invalid(JobIds.malformed("job_id", id)));
      return;
    }
    JobRecord job = jobs.get(seq);
    if (job == null) {
      reply.ok(CancelJobResponse.newBuilder().setState(JobState.JOB_STATE_UNKNOWN).build());
      return;
    }
    if (!job.isDone() && refuseWrite(reply)) {
      return;
    }
    cancelJob(job, "cancelled");
    reply.ok(CancelJobResponse.newBuilder().setState(job.state).setDoneReason(job.reason).build());
  }

  /** Ends a job CANCELLED with {@code detail}; a running job's worker is told to stop it. */
  void cancelJob(JobRecord job, String detail) {
    if (job.state == JobState.JOB_STATE_RUNNING) {
      if (job.lease != null) {
        leases.stop(job.lease);
        outbox.stop(job.lease.worker, job.lease.id, "cancelled");
      } else {
        // Running before a restart and not reported yet: no lease to stop now. When its agent
        // reports the lease, the job is done here, so the agent is told to stop it (reconcile)
        // and what it reports about it is ignored.
        log.info("cancelled a job awaiting re-adoption", "job", job.id(), "worker", job.worker);
      }
    }
    jobs.finish(job, DoneReason.DONE_REASON_CANCELLED, detail, null);
  }

  /**
   * Cancels every job that is not done and matches {@code selector}, in this one step: nothing
   * it matches starts meanwhile. Answers how many.
   */
  void cancelJobs(dev.spc.proto.JobSelector selector, Reply<Long> reply) {
    String problem = selector.getLabelsCount() == 0 && selector.getType().isEmpty()
        && selector.getStatesCount() == 0 && !selector.hasPriorityBelow()
        ? "selector must name at least one of labels, type, states, priority_below"
        : selector.getLabelsCount() > 0 ? Labels.check("selector.labels", selector.getLabelsMap()) : null;
    java.util.Set<JobState> states = java.util.EnumSet.noneOf(JobState.class);
    for (int i = 0; problem == null && i < selector.getStatesCount(); i++) {
      JobState st = selector.getStates(i);
      if (st != JobState.JOB_STATE_PENDING && st != JobState.JOB_STATE_SCHEDULED
          && st != JobState.JOB_STATE_RUNNING && st != JobState.JOB_STATE_BLOCKED) {
        problem = "selector.states[" + i + "] must be PENDING, SCHEDULED, BLOCKED or RUNNING (done jobs are"
            + " not cancelled), got " + (st == JobState.UNRECOGNIZED ? selector.getStatesValue(i) : st);
      }
      states.add(st);
    }
    if (problem != null) {
      reply.fail(Failure.invalid(problem));
      return;
    }
    if (refuseWrite(reply)) {
      return;
    }
    List<JobRecord> matched = new ArrayList<>();
    for (JobRecord job : jobs.all()) {
      if (!job.isDone() && (states.isEmpty() || states.contains(job.state))
          && (selector.getType().isEmpty() || selector.getType().equals(job.spec.getType()))
          && (!selector.hasPriorityBelow() || job.spec.getPriority() < selector.getPriorityBelow())
          && Labels.matches(job.spec.getLabelsMap(), selector.getLabelsMap())) {
        matched.add(job);
      }
    }
    for (JobRecord job : matched) {
      cancelJob(job, "cancelled (CancelJobs)");
    }
    if (!matched.isEmpty()) {
      log.info("cancelled by selector", "jobs", matched.size());
    }
    reply.ok((long) matched.size());
  }

  /** A job as clients see it; a pending one the access level holds back says so. */
  Job view(JobRecord job) {
    Job v = Views.job(job, workers.perType());
    if (job.state == JobState.JOB_STATE_PENDING) {
      String why = heldBack.apply(job);
      if (!why.isEmpty()) {
        v = v.toBuilder().setPendingReason(why).build();
      }
    }
    return v;
  }

  /** Failed for good after its last allowed attempt: the dead set. */
  static boolean exhausted(JobRecord job) {
    return job.isDone() && Retries.retriesOn(job.spec, job.reason) && job.attempt >= job.maxAttempts;
  }

  /** A new job with a done job's spec (no idempotency key), pointing back to it. */
  void rerun(String id, boolean mayExec, Reply<String> reply) {
    Long seq = jobs.ids().parse(id);
    if (seq == null) {
      reply.fail(Failure.invalid(JobIds.malformed("job_id", id)));
      return;
    }
    JobRecord old = jobs.get(seq);
    if (old == null) {
      reply.fail(new Failure(Failure.Code.NOT_FOUND, "job " + id + " is unknown (never issued, or"
          + " forgotten after the retention period)"));
      return;
    }
    if (!old.isDone()) {
      reply.fail(new Failure(Failure.Code.FAILED_PRECONDITION, "job " + id + " is "
          + old.state.name().substring("JOB_STATE_".length()) + "; only a done job can be re-run"));
      return;
    }
    if (!mayExec && old.spec.getType().equals("exec")) {
      reply.fail(new Failure(Failure.Code.PERMISSION_DENIED, "this identity may not submit exec"
          + " jobs, so it may not re-run " + id + ", an exec job"));
      return;
    }
    if (refuseWrite(reply)) {
      return;
    }
    if (jobs.pendingCount() + jobs.scheduledCount() + jobs.blockedCount() >= cfg.maxPendingJobs()) {
      reply.fail(new Failure(Failure.Code.RESOURCE_EXHAUSTED, "pending queue is full: capacity "
          + cfg.maxPendingJobs()));
      return;
    }
    JobSpec.Builder spec = old.spec.toBuilder().clearIdempotencyKey();
    if (spec.hasStartAt() && !java.util.Objects.requireNonNull(
        JobTimers.startTime(old.spec, old.submittedAt)).isAfter(clock.now())) {
      spec.clearStartAt(); // its time has passed: run now
    }
    JobRecord job = jobs.add(spec.build(), clock.now(), "", 0);
    job.origin = JobRecord.Origin.rerun(old.id());
    if (old.dependencyOutcomes != null) {
      job.dependencyOutcomes = old.dependencyOutcomes.clone(); // it runs on the same inputs
    }
    wakeDispatch.run();
    reply.ok(job.id());
  }

  static final java.util.Set<String> EXEC_SIGNALS = java.util.Set.of("HUP", "INT", "USR1", "USR2", "TERM");
  static final java.util.regex.Pattern SIGNAL_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,32}");
  static final int MAX_SIGNAL_PAYLOAD = 64 << 10;

  /** A signal to a running job, sent to its worker once this batch is stored (at most once). */
  void signal(dev.spc.proto.SignalJobRequest req, boolean mayExec, Reply<dev.spc.proto.SignalJobResponse> reply) {
    Long seq = jobs.ids().parse(req.getJobId());
    if (seq == null) {
      reply.fail(Failure.invalid(JobIds.malformed("job_id", req.getJobId())));
      return;
    }
    JobRecord job = jobs.get(seq);
    if (job == null) {
      reply.fail(new Failure(Failure.Code.NOT_FOUND, "job " + req.getJobId() + " is unknown"));
      return;
    }
    boolean exec = job.spec.getType().equals("exec");
    String name = req.getSignal().startsWith("SIG") ? req.getSignal().substring(3) : req.getSignal();
    String problem = exec && !EXEC_SIGNALS.contains(name)
        ? "signal must be one of HUP, INT, USR1, USR2, TERM for an exec job, got '"
            + SpecValidator.shorten(req.getSignal()) + "'"
        : !SIGNAL_NAME.matcher(name).matches()
        ? "signal must be 1-32 characters of [A-Za-z0-9_-], got '" + SpecValidator.shorten(req.getSignal()) + "'"
        : req.getPayload().size() > MAX_SIGNAL_PAYLOAD
        ? "payload is " + req.getPayload().size() + " bytes, limit " + MAX_SIGNAL_PAYLOAD : null;
    if (problem != null) {
      reply.fail(Failure.invalid(problem));
      return;
    }
    if (exec && !mayExec) {
      reply.fail(new Failure(Failure.Code.PERMISSION_DENIED, "this identity may not signal exec jobs"));
      return;
    }
    LeaseRecord lease = job.lease;
    if (job.state != JobState.JOB_STATE_RUNNING || lease == null || !lease.isLive()
        || !workers.isCurrent(lease.worker)) {
      reply.fail(new Failure(Failure.Code.FAILED_PRECONDITION, "job " + job.id() + " is "
          + (job.state == JobState.JOB_STATE_RUNNING ? "running but its worker has not reported it"
              + " since the coordinator restarted" : job.state.name().substring("JOB_STATE_".length()))
          + "; only a running job can be signalled"));
      return;
    }
    dev.spc.proto.JobSignal signal = dev.spc.proto.JobSignal.newBuilder().setLeaseId(lease.id)
        .setSignal(name).setPayload(req.getPayload()).build();
    WorkerRecord to = lease.worker;
    commits.later(() -> { // after the lease itself went out (or, held back, with it)
      if (workers.isCurrent(to) && lease.isLive()) {
        outbox.signal(to, signal);
      }
    });
    log.info("job signalled", "job", job.id(), "signal", name, "worker", to.name);
    reply.ok(dev.spc.proto.SignalJobResponse.newBuilder().setWorker(to.name).build());
  }

  void listWorkers(Reply<ListWorkersResponse> reply) {
    ListWorkersResponse.Builder out = ListWorkersResponse.newBuilder();
    for (WorkerRecord w : workers.all()) {
      out.addWorkers(Views.worker(w));
    }
    reply.ok(out.build());
  }

  dev.spc.proto.Stats stats(int waiters) {
    int slots = 0;
    int busy = 0;
    for (WorkerRecord w : workers.all()) {
      slots += w.slots;
      busy += w.occupied.size();
    }
    DoneCounts done = jobs.done();
    return dev.spc.proto.Stats.newBuilder()
        .setPending(jobs.pendingCount())
        .setRunning(jobs.runningCount())
        .setDone(done.heldTotal())
        .setDoneDone(done.held(DoneReason.DONE_REASON_DONE))
        .setDoneTimeout(done.held(DoneReason.DONE_REASON_TIMEOUT))
        .setDoneCancelled(done.held(DoneReason.DONE_REASON_CANCELLED))
        .setDoneCrashed(done.held(DoneReason.DONE_REASON_CRASHED))
        .setDoneExpired(done.held(DoneReason.DONE_REASON_EXPIRED))
        .setScheduled(jobs.scheduledCount())
        .setBlocked(jobs.blockedCount())
        .setRetriesTotal(jobs.retriesTotal())
        .setSubmittedTotal(jobs.submittedTotal())
        .setFinishedTotal(done.endedSinceStartTotal())
        .setFinishedDoneTotal(done.endedSinceStart(DoneReason.DONE_REASON_DONE))
        .setWorkers(workers.size())
        .setSlots(slots)
        .setBusySlots(busy)
        .setWaiters(waiters)
        .build();
  }
}
