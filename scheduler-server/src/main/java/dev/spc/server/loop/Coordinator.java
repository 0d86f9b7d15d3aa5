package dev.spc.server.loop;

import dev.spc.proto.DoneReason;
import dev.spc.proto.JobState;
import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The scheduling state machine's front door: routes each message to the collaborator that
 * handles it, and ends each batch. It owns no state of its own; the rules live in the rooms
 * named after them (see docs/rules.md):
 *
 * <ul>
 *   <li>{@link JobTable}: the jobs, their queues, counters and keys, and the one writer of job
 *       state (a checked transition table, {@link JobStates}); retention.
 *   <li>{@link PendingQueues}: pending jobs by type and constraints; {@link ConcurrencyKeys},
 *       {@link RateLimits}, {@link AccessLevel}: what may start; {@link Dependencies}: BLOCKED
 *       jobs and how outcomes travel down a graph.
 *   <li>{@link JobRequests}: what clients ask of jobs (add, status, cancel, list, stats).
 *   <li>{@link Waiters}, {@link Watches}: callers waiting for outcomes, watchers of events.
 *   <li>{@link WorkerRegistry}: the connected workers and their free slots.
 *   <li>{@link WorkerSessions}: registration, heartbeats, stuck slots, drain, stop, loss.
 *   <li>{@link ResultIntake}: the outcomes agents report.
 *   <li>{@link LeaseTable}: every lease (live, stopping, foreign) and the deadlines.
 *   <li>{@link Dispatcher}: pending jobs to free slots. {@link WorkerOutbox}: what goes to each
 *       worker, batched, under flow control.
 *   <li>{@link Liveness}: heartbeat timeouts and our own stalls. {@link Recovery}: a restart's
 *       orphans and re-adoption. {@link ShutdownHandshake}: a graceful stop.
 *   <li>{@link Durability}: the one path of every change, reply and send (stored first; at once
 *       in memory).
 * </ul>
 *
 * <p>Concurrency: none. One thread (the {@link EventLoop}) calls {@link #handle} and
 * {@link #afterBatch}; nothing else touches this state, so it is plain collections.
 *
 * <p>Batching: handlers only change state and queue outbound messages; {@link #afterBatch}
 * matches pending jobs to free slots, then sends each worker one message with all its new leases
 * and one with all its stop orders, once the batch is stored.
 */
public final class Coordinator {
  /** The cause a {@link Msg.WorkerGone} gives when the agent closed its stream itself. */
  public static final String LEFT = "agent closed its stream";
  /** The retention scan runs once a second. */
  private static final long RETENTION_SCAN_NANOS = 1_000_000_000L;

  private final CoordinatorConfig cfg;
  private LoopMetrics metrics = LoopMetrics.NONE;
  private final Clock clock;
  private final Durability commits;
  private final WorkerRegistry workers;
  private final JobTable jobs;
  private final Waiters waiters;
  private final Watches watches;
  private final LeaseTable leases;
  private final WorkerOutbox outbox;
  private final Dispatcher dispatcher;
  private final Recovery recovery;
  private final WorkerSessions sessions;
  private final ResultIntake results;
  private final JobRequests requests;
  private final JobListing listing;
  private final Liveness liveness;
  private final ShutdownHandshake shutdown;
  private final Schedules schedules;
  private final AccessLevel access;
  private final RateLimits rates;
  private final Dependencies deps;
  private final StateRows stateRows = new StateRows();
  private long lastRetentionScanNanos;

  /** An in-memory coordinator. */
  public Coordinator(CoordinatorConfig cfg, Clock clock) {
    this(cfg, clock, new java.util.SplittableRandom(), Persistence.IN_MEMORY,
        JobIds.newIncarnation(clock.now().toEpochMilli()), 0, List.of(), List.of(), Map.of());
  }

  /** As the full constructor, with no schedules or settings recovered. */
  public Coordinator(CoordinatorConfig cfg, Clock clock, java.util.random.RandomGenerator random,
      Persistence persistence, String incarnation, long term, List<StoredJob> recovered) {
    this(cfg, clock, random, persistence, incarnation, term, recovered, List.of(), Map.of());
  }

  /**
   * A coordinator whose changes go to {@code persistence}; {@code recovered} is what it held (in
   * sequence order) under the id prefix {@code incarnation}. It issues job and lease ids of
   * {@code term}, which must be above every term that issued the recovered ones (see {@link
   * JobIds}); term 0 is for a coordinator that recovers nothing. {@code random} jitters retries.
   * {@code recoveredSchedules} are the schedules it held, {@code settings} operators' settings.
   */
  public Coordinator(CoordinatorConfig cfg, Clock clock, java.util.random.RandomGenerator random,
      Persistence persistence, String incarnation, long term, Iterable<StoredJob> recovered,
      List<StoredSchedule> recoveredSchedules, Map<String, String> settings) {
    this.cfg = cfg;
    this.clock = clock;
    this.commits = new Durability(persistence, this::runEffect);
    this.workers = new WorkerRegistry(this::wakeDispatch);
    this.jobs = new JobTable(cfg, clock, random, new JobIds(incarnation, term), commits, new JobTable.Observer() {
      @Override
      public void stateChanged(JobRecord job) {
        watches.stateChanged(job);
        if (job.state == JobState.JOB_STATE_RUNNING && job.attempt == 1 && job.startedAt != null) {
          metrics.started(job.spec.getType(), nanosBetween(job.submittedAt, job.startedAt));
        }
      }

      @Override
      public void done(JobRecord job) {
        Instant started = job.startedAt;
        metrics.finished(job.spec.getType(), job.reason, started == null || job.finishedAt == null
            ? -1 : nanosBetween(started, job.finishedAt));
        waiters.release(job);
        if (!job.origin.scheduleId().isEmpty()) {
          schedules.jobDone(job);
        }
        deps.done(job);
      }
    }, settings, this::wakeDispatch);
    this.deps = new Dependencies(jobs, this::cancelJob);
    this.rates = new RateLimits(clock, commits, settings);
    this.waiters = new Waiters(jobs, workers);
    this.watches = new Watches(clock, commits, workers, jobs);
    this.leases = new LeaseTable(term > 0 ? LeaseTable.termBase(term)
        : LeaseTable.timeBase(clock.now().toEpochMilli()));
    this.outbox = new WorkerOutbox(workers, leases, jobs, commits, this::wakeDispatch);
    this.access = new AccessLevel(commits, jobs, this::cancelJob, this::wakeDispatch, settings);
    this.dispatcher = new Dispatcher(cfg, clock, jobs, workers, leases, outbox, access::admits, rates);
    this.recovery = new Recovery(cfg, clock, jobs, leases, workers, this::wakeDispatch);
    this.sessions = new WorkerSessions(cfg, clock, jobs, workers, leases, outbox, recovery);
    this.results = new ResultIntake(clock, jobs, workers, leases, outbox, recovery);
    this.requests = new JobRequests(cfg, clock, commits, jobs, workers, leases, outbox,
        dispatcher::wake, this::heldBack, deps);
    this.listing = new JobListing(jobs, requests::view);
    this.liveness = new Liveness(cfg, clock, workers, sessions);
    this.shutdown = new ShutdownHandshake(clock, commits, workers, outbox, sessions, waiters);
    this.schedules = new Schedules(cfg, clock, commits, jobs, requests::cancelJob, dispatcher::wake);
    recoveredSchedules.forEach(schedules::restore);
    List<JobRecord> blocked = new java.util.ArrayList<>();
    if (recovery.recover(recovered, j -> {
      schedules.restoredJob(j);
      if (j.state == JobState.JOB_STATE_BLOCKED && j.dependencyOutcomes != null) {
        blocked.add(j);
      }
    })) {
      deps.relink(blocked);
      dispatcher.wake();
    }
  }

  /** Why a pending job waits, when something other than a free slot holds it back ("" if not). */
  private String heldBack(JobRecord job) {
    String why = access.heldBack(job.spec.getPriority());
    if (why.isEmpty()) {
      why = jobs.keys().heldBack(job);
    }
    if (why.isEmpty()) {
      why = rates.heldBack(job.spec.getType());
    }
    if (why.isEmpty() && job.spec.getConstraintsCount() > 0) {
      why = Labels.unmet(job.spec.getType(), job.constraints, workers.all());
    }
    return why;
  }

  private void cancelJob(JobRecord job, String why) {
    requests.cancelJob(job, why);
  }

  /** Something happened that could match a pending job to a free slot. */
  private void wakeDispatch() {
    dispatcher.wake();
  }

  /** A fresh id prefix for a data directory that has none. */
  public static String newIncarnation(Clock clock) {
    return JobIds.newIncarnation(clock.now().toEpochMilli());
  }

  public CoordinatorConfig config() {
    return cfg;
  }

  static String timedOut(int maxSeconds) {
    return "exceeded max_seconds=" + maxSeconds;
  }

  /** Applies one message. Call {@link #afterBatch} after one or more of these. */
  public void handle(Msg msg) {
    switch (msg) {
      case Msg.Submit(var specs, var batch, var key, var reply) ->
          requests.submit(specs, batch, key, shutdown.inProgress(), commits.defer(reply));
      case Msg.SubmitEach(var specs, var reply) ->
          requests.submitEach(specs, shutdown.inProgress(), commits.defer(reply));
      case Msg.GetJob(var id, var reply) -> requests.get(id, commits.defer(reply));
      case Msg.Cancel(var id, var reply) -> requests.cancel(id, commits.defer(reply));
      case Msg.CancelJobs(var selector, var reply) -> requests.cancelJobs(selector, commits.defer(reply));
      case Msg.SignalJob(var request, var mayExec, var reply) ->
          requests.signal(request, mayExec, commits.defer(reply));
      case Msg.SetConcurrencyLimit(var key, var limit, var reply) ->
          jobs.keys().set(key, limit, commits.defer(reply));
      case Msg.SetRateLimit(var request, var reply) -> {
        rates.set(request, commits.defer(reply));
        dispatcher.wake();
      }
      case Msg.ListLimits(var reply) -> commits.defer(reply).ok(dev.spc.proto.ListLimitsResponse
          .newBuilder().addAllConcurrency(jobs.keys().all()).addAllRates(rates.all()).build());
      case Msg.SetAccessLevel(var level, var interrupt, var reply) ->
          access.set(level, interrupt, commits.defer(reply));
      case Msg.Rerun(var id, var mayExec, var reply) -> requests.rerun(id, mayExec, commits.defer(reply));
      case Msg.Wait(var waiterId, var jobIds, var any, var reply) ->
          waiters.wait(waiterId, jobIds, any, shutdown.inProgress(), commits.defer(reply));
      case Msg.WaitAbandoned(var waiterId) -> waiters.abandon(waiterId);
      case Msg.ListJobs(var request, var reply) -> listing.list(request, commits.defer(reply));
      case Msg.ListWorkers(var reply) -> requests.listWorkers(commits.defer(reply));
      case Msg.GetStats(var reply) -> commits.defer(reply).ok(stats());
      case Msg.GetSnapshot(var reply) ->
          reply.ok(MetricsView.snapshot(stats(), jobs, workers, clock.now(), metrics));
      case Msg.PutSchedule(var s, var update, var mayExec, var reply) -> {
        if (refuseWhileStopping(reply)) {
          return;
        }
        if (update) {
          schedules.update(s, mayExec, commits.defer(reply));
        } else {
          schedules.create(s, mayExec, commits.defer(reply));
        }
      }
      case Msg.GetSchedule(var id, var reply) -> schedules.get(id, commits.defer(reply));
      case Msg.ListSchedules(var request, var reply) -> schedules.list(request, commits.defer(reply));
      case Msg.DeleteSchedule(var id, var reply) -> {
        if (!refuseWhileStopping(reply)) {
          schedules.delete(id, commits.defer(reply));
        }
      }
      case Msg.PauseSchedule(var id, var pause, var reply) -> {
        if (!refuseWhileStopping(reply)) {
          schedules.pause(id, pause, commits.defer(reply));
        }
      }
      case Msg.TriggerSchedule(var id, var mayExec, var reply) -> {
        if (!refuseWhileStopping(reply)) {
          schedules.trigger(id, mayExec, commits.defer(reply));
        }
      }
      case Msg.StopWorker(var name, var drain, var reply) ->
          sessions.stopWorker(name, drain, commits.defer(reply));
      case Msg.Watch(var watcherId, var jobId, var follow, var sink) ->
          watches.watch(watcherId, jobId, follow, sink);
      case Msg.UnwatchJob(var watcherId) -> watches.unwatch(watcherId);
      case Msg.WatchReady(var sink) -> sink.drain();
      case Msg.WorkerRegister(var link, var register) ->
          sessions.register(link, register, shutdown.inProgress());
      case Msg.WorkerHeartbeat(var link, var hb) -> sessions.heartbeat(link, hb);
      case Msg.WorkerResults(var link, var r) -> results.results(link, r.getResultsList(), r.getSeq());
      case Msg.WorkerUpdates(var link, var updates) -> {
        WorkerRecord w = workers.byLink(link);
        if (w != null) {
          w.lastSeenNanos = clock.nanos();
          watches.updates(w, updates.getUpdatesList());
        }
      }
      case Msg.WorkerStuck(var link, var stuck) -> sessions.stuck(link, stuck.getLeaseId(), stuck.getDetail());
      case Msg.WorkerDraining(var link) -> sessions.draining(link);
      case Msg.WorkerReady(var link) -> {
        WorkerRecord w = workers.byLink(link);
        if (w != null) {
          outbox.ready(w);
        }
      }
      case Msg.WorkerProtocolError(var link, var detail) -> sessions.protocolError(link, detail);
      case Msg.WorkerGone(var link, var cause) -> workerGone(link, cause);
      case Msg.Committed(var upTo) -> commits.committed(upTo);
      case Msg.CommitFailed(var upTo, var error) -> commits.failed(upTo, error);
      case Msg.Tick() -> tick();
      case Msg.Shutdown(var reply) -> shutdown.begin(reply);
    }
  }

  /** A stopping coordinator changes no schedule and fires none: true (and refused) if stopping. */
  private boolean refuseWhileStopping(Reply<?> reply) {
    if (shutdown.inProgress()) {
      reply.fail(Failure.unavailable(ShutdownHandshake.STOPPING));
      return true;
    }
    return false;
  }

  /**
   * Leases pending jobs to free slots, then hands what the batch queued for each worker over;
   * the batch's changes go to storage and its replies and sends wait for them.
   */
  public void afterBatch() {
    if (!shutdown.inProgress()) {
      schedules.fireBuffered();
    }
    dispatch();
    outbox.flush();
    while (outbox.takeFreed()) { // a lease dropped unsent freed a slot (in memory: at once)
      dispatch();
      outbox.flush();
    }
    commits.endBatch(this::stored, Schedules::stored);
  }

  private void dispatch() {
    if (!commits.storageDown() && !shutdown.inProgress()) {
      dispatcher.dispatch();
    }
  }

  private void runEffect(Durability.Effect e) {
    switch (e) {
      case Durability.Effect.Ok(var reply, var value) -> reply.ok(value);
      case Durability.Effect.Fail(var reply, var failure) -> reply.fail(failure);
      case Durability.Effect.Send(var w, var ls, var ss, var confirm, var taken) ->
          outbox.send(w, ls, ss, confirm, taken);
      case Durability.Effect.Run(var action) -> action.run();
    }
  }

  /**
   * The stored row of a job: its state and its lease while it runs; the first time, its fixed part
   * too (its id, spec, origin and batch).
   */
  private Persistence.JobRow stored(JobRecord j) {
    byte[] fixed = null;
    if (!j.fixedStored) {
      fixed = stateRows.encodeFixed(j);
      j.fixedStored = true;
    }
    return new Persistence.JobRow(j.seq, stateRows.encode(j), fixed);
  }

  private void workerGone(WorkerLink link, String cause) {
    WorkerRecord w = workers.byLink(link);
    if (w != null && shutdown.inProgress()) {
      shutdown.workerLeft(w);
      return;
    }
    if (w != null) {
      sessions.lose(w, cause);
    }
    link.close(null);
  }

  /**
   * Nanoseconds until a job's start time, backoff or expiry is due (MAX_VALUE if none): the loop
   * wakes for it rather than wait for its next tick, so timers fire within a millisecond or so.
   */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // the part of a millisecond: getNano() is it
  public long nanosToNextTimer() {
    long jobTimer = Math.min(jobs.nanosToNextTimer(), rates.nanosToWake());
    long at = shutdown.inProgress() ? Long.MAX_VALUE : schedules.nextAtMillis();
    if (at == Long.MAX_VALUE) {
      return jobTimer;
    }
    Instant now = clock.now();
    return Math.min(jobTimer, Math.max(0, (at - now.toEpochMilli()) * 1_000_000L - now.getNano() % 1_000_000));
  }

  /** Fires the timers that are due (also done at every tick). */
  public void fireTimers() {
    Instant now = clock.now();
    boolean ready = jobs.fireTimers(now);
    if (rates.due() || ready) {
      dispatcher.wake();
    }
    if (!shutdown.inProgress()) { // what comes due now is caught up (or not) after the restart
      schedules.fire(now);
    }
  }

  /** Rules 7 and 11, and the other clocks: stalls, the reconnect grace, retention, deadlines. */
  private void tick() {
    shutdown.finishIfDone();
    long now = clock.nanos();
    liveness.noticeStall(now);
    recovery.tick(now);
    if (now - lastRetentionScanNanos >= RETENTION_SCAN_NANOS) {
      lastRetentionScanNanos = now;
      jobs.expireOlderThan(clock.now().minus(cfg.maxDoneAge()));
    }
    fireTimers();
    leases.expire(now, lease -> {
      leases.stop(lease);
      outbox.stop(lease.worker, lease.id, "timed out");
      jobs.finish(lease.job(), DoneReason.DONE_REASON_TIMEOUT, timedOut(lease.maxSeconds), null);
    });
    if (!shutdown.inProgress()) { // stopping: the restart's reconnect grace judges the workers
      liveness.scan(now);
    }
  }

  // ------------------------------------------------------------------ for tests

  int pendingCount() {
    return jobs.pendingCount();
  }

  int liveLeaseCount() {
    return leases.liveCount();
  }

  int waiterCount() {
    return waiters.count();
  }

  private static long nanosBetween(Instant a, Instant b) {
    return (b.getEpochSecond() - a.getEpochSecond()) * 1_000_000_000L + (b.getNano() - a.getNano());
  }

  private dev.spc.proto.Stats stats() {
    dev.spc.proto.Stats.Builder stats = requests.stats(waiters.count()).toBuilder();
    schedules.addTo(stats);
    stats.setAccessLevel(access.level());
    return stats.build();
  }

  /** Reports to {@code m} from now on (set before the loop starts). */
  public void metrics(LoopMetrics m) {
    this.metrics = m;
    sessions.metrics = m;
  }
}
