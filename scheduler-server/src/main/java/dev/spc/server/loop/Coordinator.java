package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import dev.spc.common.Log;
import dev.spc.proto.CancelJobResponse;
import dev.spc.proto.Chunks;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.DoneReason;
import dev.spc.proto.Job;
import dev.spc.proto.JobEvent;
import dev.spc.proto.JobUpdate;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.Lease;
import dev.spc.proto.Leases;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import dev.spc.proto.ListWorkersResponse;
import dev.spc.proto.Register;
import dev.spc.proto.Registered;
import dev.spc.proto.StopJob;
import dev.spc.proto.StopJobs;
import dev.spc.proto.StopWorkerResponse;
import dev.spc.proto.store.StoredJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The scheduling state machine: every SPEC rule lives here.
 *
 * <p>Concurrency: none. One thread (the {@link EventLoop}) calls {@link #handle} and
 * {@link #afterBatch}; nothing else touches these fields, so they are plain collections.
 *
 * <p>Batching: handlers only change state and queue outbound messages on the worker records;
 * {@link #afterBatch} matches pending jobs to free slots and then sends each worker one message
 * with all its new leases and one with all its stop orders.
 *
 * <p>Slots: a worker's slot is held by a lease from the moment it is granted until the worker
 * reports that job finished, even when the job was cancelled or timed out at the coordinator
 * meanwhile ("stopping" leases). A lease reported by an agent that this coordinator does not
 * know also holds a slot, and the agent is told to stop it.
 *
 * <p>Time: deadlines and liveness are judged on the injected monotonic clock. If the loop itself
 * stalled (GC, SIGSTOP) for longer than a heartbeat interval, workers get a fresh timeout rather
 * than being declared lost for a silence that was ours.
 */
public final class Coordinator {
  private static final Log log = Log.get("coordinator");
  private static final Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  static final int MAX_SLOTS = 1024;
  /** The cause a {@link Msg.WorkerGone} gives when the agent closed its stream itself. */
  public static final String LEFT = "agent closed its stream";
  static final int MAX_WORKER_TYPES = 256;
  static final int MAX_WAIT_IDS = 10_000;
  static final int MAX_PAGE_SIZE = 1000;
  static final int LIST_SCAN_LIMIT = 100_000;
  /** Liveness is judged every 50ms: timeouts are seconds, and a scan touches every worker. */
  static final long LIVENESS_SCAN_NANOS = 50_000_000L;

  private final CoordinatorConfig cfg;
  private final Clock clock;
  private final SpecValidator validator;
  private final JobIds ids;
  private final long leaseBase;
  private final long heartbeatTimeoutNanos;
  private final long heartbeatIntervalNanos;

  private final Map<Long, JobRecord> jobs = new HashMap<>();
  private final Map<String, PendingQueue> pendingByType = new HashMap<>();
  private int pendingCount;
  private int runningCount;
  private long submittedTotal;
  /** Done jobs by {@link DoneReason} number. */
  private final long[] doneByReason = new long[DoneReason.values().length];
  private final Map<String, String> idempotency = new HashMap<>();
  /** Done jobs in the order they finished, for forgetting the oldest. */
  private final java.util.ArrayDeque<JobRecord> doneOrder = new java.util.ArrayDeque<>();
  private long nextJobSeq = 1;

  private final Map<String, WorkerRecord> workersByName = new LinkedHashMap<>();
  private final Map<WorkerLink, WorkerRecord> workersByLink = new HashMap<>();
  private final Set<String> knownWorkerNames = new HashSet<>();
  private final LinkedHashSet<WorkerRecord> freeWorkers = new LinkedHashSet<>();
  private final Map<String, Integer> workersPerType = new HashMap<>();
  private final List<WorkerRecord> toFlush = new ArrayList<>();

  private final Map<Long, LeaseRecord> leases = new HashMap<>();
  private final Deadlines deadlines = new Deadlines();
  private long nextLeaseSeq = 1;

  private final Map<Long, Waiter> waiters = new HashMap<>();
  private long lastTickNanos;
  private long lastLivenessScanNanos;
  private boolean shuttingDown;
  private Reply<Void> shutdownReply;
  private long shutdownDeadlineNanos;
  /** How long a shutdown waits for agents to half-close their streams. */
  private static final long SHUTDOWN_HANDSHAKE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
  /**
   * Whether something happened that could match a pending job to a free slot (a submit, a slot
   * freed, a worker registered). Heartbeats do not: with many idle workers and many pending jobs
   * of other types, trying after every heartbeat would cost workers x heartbeats.
   */
  private boolean dispatchNeeded;

  /** Durable mode's bookkeeping; null in memory. */
  private final Durability durability;
  /** After a restart: jobs that were running, by lease id, until their agent reports them. */
  private final Map<Long, Orphan> orphans = new HashMap<>();
  private long orphanDeadlineNanos;
  private long lastRetentionScanNanos;

  private record Orphan(JobRecord job, long leaseId, int maxSeconds) {}

  /** An in-memory coordinator. */
  public Coordinator(CoordinatorConfig cfg, Clock clock) {
    this(cfg, clock, null, JobIds.newIncarnation(clock.now().toEpochMilli()), List.of());
  }

  /**
   * A durable coordinator: changes go to {@code persistence}; {@code recovered} is what it held
   * (in sequence order) under the id prefix {@code incarnation}.
   */
  public Coordinator(CoordinatorConfig cfg, Clock clock, Persistence persistence,
      String incarnation, List<StoredJob> recovered) {
    this.cfg = cfg;
    this.clock = clock;
    this.validator = new SpecValidator(cfg);
    this.durability = persistence == null ? null : new Durability(persistence);
    long startMillis = clock.now().toEpochMilli();
    this.ids = new JobIds(incarnation);
    // Lease ids: start-time milliseconds times a million, plus a counter. A later incarnation
    // starts above every id an earlier one could have issued (a million leases per millisecond).
    this.leaseBase = startMillis * 1_000_000L;
    this.heartbeatTimeoutNanos = cfg.heartbeatTimeout().toNanos();
    this.heartbeatIntervalNanos = cfg.heartbeatInterval().toNanos();
    this.lastTickNanos = clock.nanos();
    recover(recovered);
  }

  /** A fresh id prefix for a data directory that has none. */
  public static String newIncarnation(Clock clock) {
    return JobIds.newIncarnation(clock.now().toEpochMilli());
  }

  public CoordinatorConfig config() {
    return cfg;
  }

  /** Applies one message. Call {@link #afterBatch} after one or more of these. */
  public void handle(Msg msg) {
    switch (msg) {
      case Msg.Submit(var specs, var batch, var key, var reply) -> submit(specs, batch, key, deferred(reply));
      case Msg.GetJob(var id, var reply) -> getJob(id, deferred(reply));
      case Msg.Cancel(var id, var reply) -> cancel(id, deferred(reply));
      case Msg.Wait(var waiterId, var jobIds, var any, var reply) ->
          wait(waiterId, jobIds, any, deferred(reply));
      case Msg.WaitAbandoned(var waiterId) -> abandonWait(waiterId);
      case Msg.ListJobs(var request, var reply) -> listJobs(request, deferred(reply));
      case Msg.ListWorkers(var reply) -> listWorkers(deferred(reply));
      case Msg.StopWorker(var name, var drain, var reply) -> stopWorker(name, drain, deferred(reply));
      case Msg.WorkerDraining(var link) -> draining(link);
      case Msg.WorkerReady(var link) -> workerReady(link);
      case Msg.GetStats(var reply) -> deferred(reply).ok(stats());
      case Msg.Watch(var watcherId, var jobId, var follow, var sink) -> watch(watcherId, jobId, follow, sink);
      case Msg.UnwatchJob(var watcherId) -> unwatch(watcherId);
      case Msg.WatchReady(var sink) -> sink.drain();
      case Msg.WorkerUpdates(var link, var updates) -> updates(link, updates.getUpdatesList());
      case Msg.Committed(var upTo) -> durability.committed(upTo, this::runEffect);
      case Msg.CommitFailed(var upTo, var error) -> durability.failed(upTo, error);
      case Msg.WorkerRegister(var link, var register) -> register(link, register);
      case Msg.WorkerHeartbeat(var link, var hb) -> heartbeat(link, hb.getRunningLeaseIdsList());
      case Msg.WorkerResults(var link, var results) ->
          results(link, results.getResultsList(), results.getSeq());
      case Msg.WorkerStuck(var link, var stuck) -> stuck(link, stuck.getLeaseId(), stuck.getDetail());
      case Msg.WorkerProtocolError(var link, var detail) -> protocolError(link, detail);
      case Msg.WorkerGone(var link, var cause) -> workerGone(link, cause);
      case Msg.Tick() -> tick();
      case Msg.Shutdown(var reply) -> shutdown(reply);
    }
  }

  /**
   * Leases pending jobs to free slots, then sends what the batch queued for each worker. In
   * durable mode the batch's changes go to storage and its replies and sends wait for them.
   */
  public void afterBatch() {
    if (durability == null || !durability.storageDown()) {
      dispatch();
    }
    flush();
    if (durability != null) {
      durability.endBatch(this::stored, this::runEffect);
    }
  }

  /** In durable mode, answers wait until the batch is on stable storage. */
  private <T> Reply<T> deferred(Reply<T> reply) {
    return durability == null ? reply : durability.defer(reply);
  }

  private void changed(JobRecord job) {
    if (durability != null) {
      durability.changed(job);
    }
  }

  private void runEffect(Durability.Effect e) {
    switch (e) {
      case Durability.Effect.Ok(var reply, var value) -> reply.ok(value);
      case Durability.Effect.Fail(var reply, var failure) -> reply.fail(failure);
      case Durability.Effect.Send(var w, var ls, var ss, var confirm, var taken) ->
          send(w, ls, ss, confirm, taken);
      case Durability.Effect.Run(var action) -> action.run();
    }
  }

  private StoredJob stored(JobRecord j) {
    StoredJob.Builder b = StoredJob.newBuilder().setJob(Views.job(j, Map.of()));
    if (!j.batchKey.isEmpty()) {
      b.setBatchKey(j.batchKey).setBatchIndex(j.batchIndex);
    }
    if (j.state == JobState.JOB_STATE_RUNNING && j.lease != null) {
      b.setLeaseId(j.lease.id).setMaxSeconds(j.lease.maxSeconds);
    }
    return b.build();
  }

  /** Refuses a write while the storage is down; true if refused. */
  private boolean refuseWrite(Reply<?> reply) {
    if (durability != null && durability.storageDown()) {
      reply.fail(Failure.unavailable("storage unavailable: " + durability.storageError()
          + "; retry when it recovers"));
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ rule 1, 2, 14: add

  /** Batches by idempotency key, oldest first (for retention). */
  private final LinkedHashMap<String, BatchEntry> batchKeys = new LinkedHashMap<>();

  private record BatchEntry(List<String> ids, Instant at) {}

  private void submit(List<JobSpec> specs, boolean batch, String batchKey, Reply<List<String>> reply) {
    if (shuttingDown) {
      reply.fail(Failure.unavailable("coordinator is shutting down"));
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
    if (!batchKey.isEmpty() && batchKeys.containsKey(batchKey)) {
      List<String> first = batchKeys.get(batchKey).ids();
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
    for (int i = 0; i < specs.size(); i++) {
      JobSpec spec = specs.get(i);
      String problem = validator.check(batch ? "jobs[" + i + "]" : "job", spec);
      if (problem != null) {
        reply.fail(Failure.invalid(problem));
        return;
      }
      String key = spec.getIdempotencyKey();
      if (key.isEmpty()) {
        fresh++;
      } else if (!idempotency.containsKey(key)) {
        if (keysInBatch == null) {
          keysInBatch = new HashSet<>();
        }
        if (keysInBatch.add(key)) {
          fresh++;
        }
      }
    }
    if (pendingCount + fresh > cfg.maxPendingJobs()) {
      reply.fail(new Failure(Failure.Code.RESOURCE_EXHAUSTED, "pending queue is full: "
          + pendingCount + " jobs pending, capacity " + cfg.maxPendingJobs()
          + (fresh > 1 ? ", batch adds " + fresh : "")));
      return;
    }
    Instant now = clock.now();
    List<String> out = new ArrayList<>(specs.size());
    for (JobSpec spec : specs) {
      String key = spec.getIdempotencyKey();
      if (!key.isEmpty()) {
        String existing = idempotency.get(key);
        if (existing != null) {
          out.add(existing);
          continue;
        }
      }
      long seq = nextJobSeq++;
      JobRecord job = new JobRecord(seq, ids.format(seq), spec, now);
      if (!batchKey.isEmpty()) {
        job.batchKey = batchKey;
        job.batchIndex = out.size();
      }
      jobs.put(seq, job);
      changed(job);
      pendingByType.computeIfAbsent(spec.getType(), t -> new PendingQueue()).add(job);
      pendingCount++;
      submittedTotal++;
      if (!key.isEmpty()) {
        idempotency.put(key, job.id);
      }
      out.add(job.id);
    }
    dispatchNeeded = true;
    if (!batchKey.isEmpty()) {
      batchKeys.put(batchKey, new BatchEntry(List.copyOf(out), now));
      while (batchKeys.size() > cfg.maxDoneJobs()) {
        batchKeys.pollFirstEntry();
      }
    }
    reply.ok(out);
  }

  // ------------------------------------------------------------------ rule 3: status

  private void getJob(String id, Reply<Job> reply) {
    Long seq = ids.parse(id);
    if (seq == null) {
      reply.fail(Failure.invalid(JobIds.malformed("job_id", id)));
      return;
    }
    JobRecord job = jobs.get(seq);
    reply.ok(job == null ? Views.unknown(id) : Views.job(job, workersPerType));
  }

  // ------------------------------------------------------------------ rule 4: cancel

  private void cancel(String id, Reply<CancelJobResponse> reply) {
    Long seq = ids.parse(id);
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
    if (job.state == JobState.JOB_STATE_PENDING) {
      removePending(job);
      finish(job, DoneReason.DONE_REASON_CANCELLED, "cancelled", null);
    } else if (job.state == JobState.JOB_STATE_RUNNING) {
      if (job.lease != null) {
        stopLease(job.lease, "cancelled");
      } else {
        // Running before a restart and not reported yet: no lease to stop now. When its agent
        // reports the lease, the job is done here, so the agent is told to stop it (reconcile)
        // and what it reports about it is ignored.
        log.info("cancelled a job awaiting re-adoption", "job", job.id);
      }
      finish(job, DoneReason.DONE_REASON_CANCELLED, "cancelled", null);
    }
    reply.ok(CancelJobResponse.newBuilder().setState(job.state).setDoneReason(job.reason).build());
  }

  // ------------------------------------------------------------------ rule 5, 6: wait

  private void wait(long waiterId, List<String> jobIds, boolean any, Reply<Job> reply) {
    String field = any ? "job_ids" : "job_id";
    if (jobIds.isEmpty()) {
      reply.fail(Failure.invalid(field + " must not be empty"));
      return;
    }
    if (jobIds.size() > MAX_WAIT_IDS) {
      reply.fail(Failure.invalid(field + " has " + jobIds.size() + " ids, limit " + MAX_WAIT_IDS));
      return;
    }
    long[] seqs = new long[jobIds.size()];
    for (int i = 0; i < jobIds.size(); i++) {
      Long seq = ids.parse(jobIds.get(i));
      if (seq == null) {
        String name = any ? "job_ids[" + i + "]" : "job_id";
        reply.fail(Failure.invalid(JobIds.malformed(name, jobIds.get(i))));
        return;
      }
      seqs[i] = seq;
    }
    List<JobRecord> targets = new ArrayList<>(jobIds.size());
    for (int i = 0; i < seqs.length; i++) {
      JobRecord job = jobs.get(seqs[i]);
      if (job == null) {
        reply.fail(Failure.notFound("job '" + jobIds.get(i) + "' not found"));
        return;
      }
      targets.add(job);
    }
    for (JobRecord job : targets) {
      if (job.isDone()) {
        reply.ok(Views.job(job, workersPerType));
        return;
      }
    }
    if (shuttingDown) {
      reply.fail(Failure.unavailable("coordinator is shutting down"));
      return;
    }
    Waiter w = new Waiter(waiterId, targets, reply);
    waiters.put(waiterId, w);
    for (JobRecord job : targets) {
      job.addWaiter(w);
    }
  }

  private void abandonWait(long waiterId) {
    Waiter w = waiters.remove(waiterId);
    if (w != null) {
      for (JobRecord job : w.jobs) {
        if (job.waiters != null) {
          job.waiters.remove(w);
        }
      }
    }
  }

  private void releaseWaiters(JobRecord job) {
    List<Waiter> ws = job.waiters;
    if (ws == null) {
      return;
    }
    job.waiters = null;
    Job view = Views.job(job, workersPerType);
    for (Waiter w : ws) {
      if (waiters.remove(w.id) == null) {
        continue;
      }
      for (JobRecord other : w.jobs) {
        if (other != job && other.waiters != null) {
          other.waiters.remove(w);
        }
      }
      w.reply.ok(view);
    }
  }

  // ------------------------------------------------------------------ watching

  static final int DONE_LOG_EVENTS = 100;
  private final Map<Long, JobRecord> watched = new HashMap<>();

  private void watch(long watcherId, String jobId, boolean follow, WatchSink sink) {
    Long seq = ids.parse(jobId);
    if (seq == null) {
      sink.end(Failure.invalid(JobIds.malformed("job_id", jobId)));
      return;
    }
    JobRecord job = jobs.get(seq);
    if (job == null) {
      sink.end(Failure.notFound("job '" + jobId + "' not found"));
      return;
    }
    Runnable start = () -> {
      sink.offer(stateEvent(job));
      if (job.log != null) {
        job.log.events.forEach(sink::offer);
      }
      if (!follow || job.isDone() || !jobs.containsKey(job.seq)) {
        sink.end(null);
      } else {
        log(job).watchers.add(new JobLog.Watch(watcherId, sink));
        watched.put(watcherId, job);
      }
    };
    // In durable mode the first snapshot, like every read, waits behind unstored changes.
    if (durability != null) {
      durability.later(start);
    } else {
      start.run();
    }
  }

  private void unwatch(long watcherId) {
    JobRecord job = watched.remove(watcherId);
    if (job != null && job.log != null) {
      job.log.watchers.removeIf(w -> w.id() == watcherId);
    }
  }

  private static JobLog log(JobRecord job) {
    if (job.log == null) {
      job.log = new JobLog();
    }
    return job.log;
  }

  private JobEvent stateEvent(JobRecord job) {
    return JobEvent.newBuilder().setAt(Views.ts(clock.now()))
        .setState(Views.job(job, workersPerType)).build();
  }

  /** Tells the job's watchers its new state; a done job's watches end. */
  private void stateChanged(JobRecord job) {
    if (job.log == null) {
      return;
    }
    if (job.isDone() && job.log.events.size() > DONE_LOG_EVENTS) {
      while (job.log.events.size() > DONE_LOG_EVENTS) {
        job.log.events.pollFirst();
      }
    }
    if (job.log.watchers.isEmpty()) {
      return;
    }
    JobEvent e = stateEvent(job);
    boolean done = job.isDone();
    Runnable deliver = () -> {
      if (job.log == null) {
        return;
      }
      for (JobLog.Watch w : List.copyOf(job.log.watchers)) {
        w.sink().offer(e);
        if (done) {
          w.sink().end(null);
          watched.remove(w.id());
        }
      }
      if (done) {
        job.log.watchers.clear();
      }
    };
    if (durability != null) {
      durability.later(deliver);
    } else {
      deliver.run();
    }
  }

  private void updates(WorkerLink link, List<JobUpdate> updates) {
    WorkerRecord w = workersByLink.get(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    com.google.protobuf.Timestamp at = Views.ts(clock.now());
    for (JobUpdate u : updates) {
      LeaseRecord lease = w.occupied.get(u.getLeaseId());
      if (lease == null || !lease.live) {
        continue;
      }
      JobRecord job = lease.job;
      JobLog jl = log(job);
      if (u.hasProgress()) {
        job.progress = Math.max(0.0, Math.min(1.0, u.getProgress()));
        job.progressMessage = u.getProgressMessage().length() > 1024
            ? u.getProgressMessage().substring(0, 1024) : u.getProgressMessage();
        jl.add(JobEvent.newBuilder().setAt(at).setProgress(dev.spc.proto.Progress.newBuilder()
            .setFraction(job.progress).setMessage(job.progressMessage)).build());
      }
      for (String line : u.getLogLinesList()) {
        jl.add(JobEvent.newBuilder().setAt(at).setLogLine(line).build());
      }
      if (u.getDroppedLines() > 0) {
        jl.add(JobEvent.newBuilder().setAt(at).setLogLine("[spc: " + u.getDroppedLines()
            + " lines dropped by the agent's rate limit]").build());
      }
    }
  }

  // ------------------------------------------------------------------ listing

  private void listJobs(ListJobsRequest req, Reply<ListJobsResponse> reply) {
    int size = req.getPageSize();
    if (size < 0 || size > MAX_PAGE_SIZE) {
      reply.fail(Failure.invalid(
          "page_size must be between 0 and " + MAX_PAGE_SIZE + ", got " + size));
      return;
    }
    if (size == 0) {
      size = 100;
    }
    JobState filter = req.getState();
    if (filter == JobState.UNRECOGNIZED || filter == JobState.JOB_STATE_UNKNOWN) {
      reply.fail(Failure.invalid("state must be PENDING, RUNNING, DONE or unspecified, got "
          + req.getStateValue()));
      return;
    }
    long from = 0;
    if (!req.getPageToken().isEmpty()) {
      try {
        from = Long.parseLong(req.getPageToken());
      } catch (NumberFormatException e) {
        from = -1;
      }
      if (from < 0) {
        reply.fail(Failure.invalid("page_token is malformed: use next_page_token of the previous page"));
        return;
      }
    }
    ListJobsResponse.Builder out = ListJobsResponse.newBuilder();
    // Sequences are dense apart from forgotten jobs: walk them in order, probing the table.
    int scanned = 0;
    int taken = 0;
    for (long seq = Math.max(from, 1); seq < nextJobSeq; seq++) {
      if (taken == size || scanned == LIST_SCAN_LIMIT) {
        out.setNextPageToken(Long.toString(seq));
        break;
      }
      scanned++;
      JobRecord job = jobs.get(seq);
      if (job != null && (filter == JobState.JOB_STATE_UNSPECIFIED || job.state == filter)) {
        out.addJobs(Views.job(job, workersPerType));
        taken++;
      }
    }
    reply.ok(out.build());
  }

  private void listWorkers(Reply<ListWorkersResponse> reply) {
    ListWorkersResponse.Builder out = ListWorkersResponse.newBuilder();
    for (WorkerRecord w : workersByName.values()) {
      out.addWorkers(Views.worker(w));
    }
    reply.ok(out.build());
  }

  // ------------------------------------------------------------------ rule 9: workers

  private void register(WorkerLink link, Register reg) {
    if (shuttingDown) {
      link.close(Failure.unavailable("coordinator is shutting down"));
      return;
    }
    if (workersByLink.containsKey(link)) {
      protocolError(link, "a second Register on the same stream");
      return;
    }
    String problem = checkRegistration(reg);
    if (problem != null) {
      log.info("worker refused", "peer", link.peer(), "reason", problem);
      link.close(Failure.invalid(problem));
      return;
    }
    if (workersByName.containsKey(reg.getName())) {
      log.info("worker refused", "worker", reg.getName(), "peer", link.peer(), "reason", "name taken");
      link.close(new Failure(Failure.Code.ALREADY_EXISTS,
          "worker name '" + reg.getName() + "' is taken by a connected worker"));
      return;
    }
    int slots = reg.getSlots() == 0 ? 1 : reg.getSlots();
    List<String> types = List.copyOf(new LinkedHashSet<>(reg.getJobTypesList()));
    WorkerRecord w = new WorkerRecord(reg.getName(), types, slots, reg.getHost(), link,
        clock.now(), clock.nanos());
    workersByName.put(w.name, w);
    workersByLink.put(link, w);
    knownWorkerNames.add(w.name);
    for (String t : types) {
      workersPerType.merge(t, 1, Integer::sum);
    }
    link.send(CoordinatorMessage.newBuilder().setRegistered(Registered.newBuilder()
        .setHeartbeatIntervalMs(cfg.heartbeatInterval().toMillis())
        .setHeartbeatTimeoutMs(cfg.heartbeatTimeout().toMillis())
        .setReconnectGraceMs(cfg.reconnectGrace().toMillis())).build());
    log.info("worker registered", "worker", w.name, "slots", slots, "types", String.join(",", types),
        "peer", link.peer());
    reconcile(w, reg.getHeldLeaseIdsList());
    if (reg.getDraining()) {
      // A draining agent that reconnects (to deliver results, to report its leases) gets no
      // new leases, not even in the batch that registers it.
      startDrain(w, "draining");
      return;
    }
    if (w.freeSlots() > 0) {
      freeWorkers.add(w);
      dispatchNeeded = true;
    }
  }

  private String checkRegistration(Register reg) {
    if (!WORKER_NAME.matcher(reg.getName()).matches()) {
      return "register.name must be 1-128 characters of [A-Za-z0-9._:-], got '"
          + SpecValidator.shorten(reg.getName()) + "'";
    }
    if (reg.getSlots() < 0 || reg.getSlots() > MAX_SLOTS) {
      return "register.slots must be between 1 and " + MAX_SLOTS + ", got " + reg.getSlots();
    }
    if (reg.getJobTypesCount() == 0) {
      return "register.job_types must not be empty";
    }
    if (reg.getJobTypesCount() > MAX_WORKER_TYPES) {
      return "register.job_types has " + reg.getJobTypesCount() + " types, limit " + MAX_WORKER_TYPES;
    }
    for (int i = 0; i < reg.getJobTypesCount(); i++) {
      if (!SpecValidator.TYPE.matcher(reg.getJobTypes(i)).matches()) {
        return "register.job_types[" + i + "] must be 1-128 characters of [A-Za-z0-9._:/-], got '"
            + SpecValidator.shorten(reg.getJobTypes(i)) + "'";
      }
    }
    if (reg.getHost().length() > 256) {
      return "register.host is " + reg.getHost().length() + " characters, limit 256";
    }
    return null;
  }

  private void heartbeat(WorkerLink link, List<Long> running) {
    WorkerRecord w = workersByLink.get(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    w.lastHeartbeatAt = clock.now();
    reconcile(w, running);
  }

  /**
   * Rule 12 for leases the agent says it runs: any that is not a lease of this worker is no
   * longer live; it holds a slot until the agent reports it finished, and the agent is told to
   * stop it.
   */
  private void reconcile(WorkerRecord w, List<Long> running) {
    for (long leaseId : running) {
      if (w.occupied.containsKey(leaseId) || adopt(w, leaseId)) {
        continue;
      }
      if (w.occupied.size() >= w.slots * 2) {
        break; // an agent reporting far more than its slots is confused; don't grow without bound
      }
      LeaseRecord foreign = new LeaseRecord(leaseId, null, w, 0, Long.MAX_VALUE, false);
      w.occupied.put(leaseId, foreign);
      if (w.freeSlots() <= 0) {
        freeWorkers.remove(w);
      }
      queueStop(w, leaseId, "lease is no longer live");
      log.info("stale lease reported", "worker", w.name, "lease", leaseId);
    }
  }

  private void results(WorkerLink link, List<JobResult> results, long seq) {
    WorkerRecord w = workersByLink.get(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    if (seq > w.resultsSeq) {
      // Confirmed with this batch's sends, so after its commit in durable mode.
      w.resultsSeq = seq;
      w.resultsToConfirm = true;
      queueFlush(w);
    }
    List<Long> stale = null;
    for (JobResult r : results) {
      LeaseRecord lease = w.occupied.remove(r.getLeaseId());
      boolean adopted = false;
      if (lease == null && adopt(w, r.getLeaseId())) {
        lease = w.occupied.remove(r.getLeaseId()); // it finished while we were away
        adopted = true;
      }
      if (lease == null) {
        // A zombie's late report, or a result sent again after a lost confirmation.
        if (stale == null) {
          stale = new ArrayList<>();
        }
        stale.add(r.getLeaseId());
        continue;
      }
      leases.remove(lease.id);
      w.stuck.remove(lease.id);
      if (w.freeSlots() > 0) {
        freeWorkers.add(w);
        dispatchNeeded = true;
      }
      if (!lease.live) {
        if (lease.job == null) {
          if (stale == null) {
            stale = new ArrayList<>();
          }
          stale.add(lease.id);
        } else {
          log.debug("stopped job confirmed", "worker", w.name, "lease", lease.id);
          if (lease.job.lease == lease && (r.hasExitCode() || !r.getOutputTail().isEmpty())) {
            // The outcome was decided (cancel, timeout); the process's last words still belong
            // to the job's detail.
            lease.job.outputTail = r.getOutputTail();
            lease.job.exitCode = r.hasExitCode() ? r.getExitCode() : lease.job.exitCode;
            changed(lease.job);
          }
        }
        continue;
      }
      endLease(lease);
      JobRecord job = lease.job;
      Integer exit = r.hasExitCode() ? r.getExitCode() : null;
      job.outputTail = r.getOutputTail();
      if (clock.nanos() - lease.deadlineNanos >= 0) {
        // Reported after its deadline (we were frozen, or away and it was re-adopted late): it
        // ran past max_seconds whatever it says; the deadline is judged before the outcome.
        job.exitCode = exit;
        finish(job, DoneReason.DONE_REASON_TIMEOUT, timedOut(lease.maxSeconds), null);
        continue;
      }
      switch (r.getOutcome()) {
        case OUTCOME_SUCCEEDED -> {
          job.result = r.getResult();
          job.exitCode = exit;
          finish(job, DoneReason.DONE_REASON_DONE, "", null);
        }
        case OUTCOME_FENCED -> {
          job.exitCode = exit;
          finish(job, DoneReason.DONE_REASON_CRASHED,
              r.getError().isEmpty() ? "worker lost the coordinator" : r.getError(), null);
        }
        case OUTCOME_TIMED_OUT -> {
          // The agent enforced the deadline itself (it counts from the start on the agent).
          job.exitCode = exit;
          finish(job, DoneReason.DONE_REASON_TIMEOUT, timedOut(lease.maxSeconds), null);
        }
        case OUTCOME_STOPPED -> {
          job.exitCode = exit;
          // Stopped while we were away: the agent fenced itself off, nobody cancelled it.
          finish(job, adopted ? DoneReason.DONE_REASON_CRASHED : DoneReason.DONE_REASON_CANCELLED,
              r.getError().isEmpty() ? "stopped by worker" : r.getError(), null);
        }
        default -> {
          job.exitCode = exit;
          job.result = r.getResult();
          finish(job, DoneReason.DONE_REASON_CRASHED,
              r.getError().isEmpty() ? "failed" : r.getError(), null);
        }
      }
    }
    if (stale != null) {
      log.info("ignored results for stale leases", "worker", w.name, "count", stale.size(),
          "leases", stale.subList(0, Math.min(5, stale.size())).stream().map(String::valueOf)
              .collect(java.util.stream.Collectors.joining(",")) + (stale.size() > 5 ? ",..." : ""));
    }
  }

  private void stuck(WorkerLink link, long leaseId, String detail) {
    WorkerRecord w = workersByLink.get(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    if (w.occupied.containsKey(leaseId)) {
      w.stuck.add(leaseId);
      log.warn("slot stuck", "worker", w.name, "lease", leaseId, "detail", detail,
          "stuck_slots", w.stuck.size(), "slots", w.slots);
    }
  }

  // ------------------------------------------------------------------ rule 10: stop a worker

  private void draining(WorkerLink link) {
    WorkerRecord w = workersByLink.get(link);
    if (w != null && !w.draining) {
      startDrain(w, "draining");
    }
  }

  /**
   * No new leases for the worker. It is sent a drain confirmation after every lease granted
   * before now, so that it does not leave while one is still on its way.
   */
  private void startDrain(WorkerRecord w, String reason) {
    w.draining = true;
    freeWorkers.remove(w);
    w.confirmDrain = reason;
    queueFlush(w);
    log.info("worker draining", "worker", w.name, "running", w.occupied.size());
  }

  /** A lease never sent to a worker that is leaving: its job is pending again. */
  private void ungrant(WorkerRecord w, LeaseRecord lease) {
    JobRecord job = lease.job;
    endLease(lease);
    leases.remove(lease.id);
    w.occupied.remove(lease.id);
    job.state = JobState.JOB_STATE_PENDING;
    runningCount--;
    job.worker = "";
    job.startedAt = null;
    job.lease = null;
    pendingByType.computeIfAbsent(job.spec.getType(), t -> new PendingQueue()).add(job);
    pendingCount++;
    dispatchNeeded = true;
    changed(job);
    stateChanged(job);
  }

  private void stopWorker(String name, boolean drain, Reply<StopWorkerResponse> reply) {
    if (!knownWorkerNames.contains(name)) {
      reply.fail(Failure.notFound("worker '" + SpecValidator.shorten(name) + "' not found"));
      return;
    }
    WorkerRecord w = workersByName.get(name);
    StopWorkerResponse.Builder out = StopWorkerResponse.newBuilder();
    if (w == null) {
      reply.ok(out.build()); // already gone: a no-op
      return;
    }
    if (drain) {
      // No new jobs; its running ones finish (or are stopped by the agent's drain timeout).
      startDrain(w, "drained by an operator");
      reply.ok(out.build());
      return;
    }
    for (LeaseRecord lease : w.occupied.values()) {
      if (lease.live) {
        endLease(lease);
        finish(lease.job, DoneReason.DONE_REASON_CANCELLED, "worker stopped", null);
        out.addCancelledJobIds(lease.job.id);
      }
    }
    removeWorker(w);
    w.link.send(CoordinatorMessage.newBuilder().setStopWorker(
        dev.spc.proto.StopWorker.newBuilder().setReason("stopped by an operator")).build());
    w.link.close(null);
    log.info("worker stopped", "worker", name, "cancelled", out.getCancelledJobIdsCount());
    reply.ok(out.build());
  }

  // ------------------------------------------------------------------ rule 11: lost workers

  private void workerGone(WorkerLink link, String cause) {
    WorkerRecord w = workersByLink.get(link);
    if (w != null && shuttingDown) {
      // It half-closed (or went) while we stop: its jobs stay running, to be reported after the
      // restart or given up when the reconnect grace ends. Its last results are confirmed, once
      // durable, before the stream closes, so that it need not send them again.
      removeWorker(w);
      long taken = w.resultsSeq;
      Runnable close = () -> {
        if (taken > 0) {
          link.send(resultsTakenMessage(taken));
        }
        link.close(null);
      };
      if (durability == null) {
        close.run();
      } else {
        durability.later(close);
      }
      finishShutdownIfDone();
      return;
    }
    if (w != null) {
      lose(w, cause);
    }
    link.close(null);
  }

  private void protocolError(WorkerLink link, String detail) {
    WorkerRecord w = workersByLink.get(link);
    log.warn("worker protocol violation", "worker", w == null ? "-" : w.name, "peer", link.peer(),
        "detail", detail);
    if (w != null) {
      lose(w, "protocol violation: " + detail);
    }
    link.close(Failure.invalid("protocol violation: " + detail));
  }

  private void lose(WorkerRecord w, String cause) {
    int crashed = 0;
    for (LeaseRecord lease : w.occupied.values()) {
      if (lease.live) {
        endLease(lease);
        finish(lease.job, DoneReason.DONE_REASON_CRASHED, "worker lost", null);
        crashed++;
      }
    }
    removeWorker(w);
    if (crashed == 0 && cause.equals(LEFT)) {
      log.info("worker left", "worker", w.name);
    } else {
      log.info("worker lost", "worker", w.name, "cause", cause, "crashed_jobs", crashed);
    }
  }

  private void removeWorker(WorkerRecord w) {
    workersByName.remove(w.name);
    workersByLink.remove(w.link);
    freeWorkers.remove(w);
    for (String t : w.types) {
      workersPerType.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
    }
    for (LeaseRecord lease : w.occupied.values()) {
      leases.remove(lease.id);
    }
    w.occupied.clear();
    w.outLeases.clear();
    w.outStops.clear();
  }

  // ------------------------------------------------------------------ rule 7, 11: time

  private void tick() {
    finishShutdownIfDone();
    long now = clock.nanos();
    long gap = now - lastTickNanos;
    lastTickNanos = now;
    if (gap > heartbeatIntervalNanos && !workersByName.isEmpty()) {
      // The loop did not run for a while: the silence was ours, not the workers'.
      log.warn("coordinator stalled; extending worker liveness", "stall_ms", gap / 1_000_000);
      for (WorkerRecord w : workersByName.values()) {
        w.lastSeenNanos = Math.max(w.lastSeenNanos, now);
      }
    }
    if (!orphans.isEmpty() && now - orphanDeadlineNanos >= 0) {
      log.info("reconnect grace over", "unclaimed_jobs", orphans.size());
      for (Orphan o : List.copyOf(orphans.values())) {
        finish(o.job(), DoneReason.DONE_REASON_CRASHED, "coordinator restarted", null);
      }
      orphans.clear();
    }
    if (now - lastRetentionScanNanos >= 1_000_000_000L) {
      lastRetentionScanNanos = now;
      Instant oldest = clock.now().minus(cfg.maxDoneAge());
      while (!doneOrder.isEmpty() && doneOrder.peekFirst().finishedAt.isBefore(oldest)) {
        forget(doneOrder.pollFirst());
      }
      while (!batchKeys.isEmpty() && batchKeys.firstEntry().getValue().at().isBefore(oldest)) {
        batchKeys.pollFirstEntry();
      }
    }
    deadlines.expire(now, lease -> {
      stopLease(lease, "timed out");
      finish(lease.job, DoneReason.DONE_REASON_TIMEOUT, timedOut(lease.maxSeconds), null);
    });
    if (now - lastLivenessScanNanos < LIVENESS_SCAN_NANOS || shuttingDown) {
      return; // stopping: the restart's reconnect grace judges the workers
    }
    lastLivenessScanNanos = now;
    List<WorkerRecord> lost = null;
    for (WorkerRecord w : workersByName.values()) {
      long heard = w.link.lastHeardNanos();
      if (heard != Long.MIN_VALUE && heard - w.lastSeenNanos > 0) {
        w.lastSeenNanos = heard;
      }
      if (now - w.lastSeenNanos > heartbeatTimeoutNanos) {
        if (lost == null) {
          lost = new ArrayList<>();
        }
        lost.add(w);
      }
    }
    if (lost != null) {
      for (WorkerRecord w : lost) {
        lose(w, "no heartbeat for " + cfg.heartbeatTimeout().toMillis() + "ms");
        w.link.close(Failure.unavailable("no heartbeat within "
            + cfg.heartbeatTimeout().toMillis() + "ms; worker declared lost"));
      }
    }
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Refuses new work and grants no more leases; tells the agents, but only once every lease
   * already granted has gone out to them (in durable mode leases wait for their batch's commit),
   * so that each running job is one its agent holds and reports again after the restart.
   */
  private void shutdown(Reply<Void> reply) {
    shuttingDown = true;
    shutdownReply = reply;
    for (Waiter w : List.copyOf(waiters.values())) {
      abandonWait(w.id);
      w.reply.fail(Failure.unavailable("coordinator is shutting down"));
    }
    if (durability == null) {
      tellWorkersWeStop();
    } else {
      durability.later(this::tellWorkersWeStop);
    }
  }

  /**
   * Asks every agent to send what it has and half-close. A result in flight when a stream is cut
   * would be lost, and its job would end CRASHED after the restart; so the streams close only
   * when the agents have half-closed, or after {@link #SHUTDOWN_HANDSHAKE_NANOS}.
   */
  private void tellWorkersWeStop() {
    for (WorkerRecord w : List.copyOf(workersByName.values())) {
      // Held back by flow control, these never reached the agent: their jobs wait, pending.
      for (Lease l : List.copyOf(w.heldBack)) {
        LeaseRecord lease = leases.get(l.getLeaseId());
        if (lease != null && lease.live) {
          ungrant(w, lease);
        }
      }
      w.heldBack.clear();
      w.link.send(CoordinatorMessage.newBuilder().setCoordinatorStopping(
          dev.spc.proto.CoordinatorStopping.newBuilder().setReason("coordinator is shutting down")).build());
    }
    shutdownDeadlineNanos = clock.nanos() + SHUTDOWN_HANDSHAKE_NANOS;
    finishShutdownIfDone();
  }

  private void finishShutdownIfDone() {
    if (shutdownReply == null || shutdownDeadlineNanos == 0) {
      return;
    }
    if (!workersByName.isEmpty() && clock.nanos() - shutdownDeadlineNanos < 0) {
      return;
    }
    for (WorkerRecord w : List.copyOf(workersByName.values())) {
      removeWorker(w); // its jobs keep running on the agent, which reports them after the restart
      w.link.close(Failure.unavailable("coordinator is shutting down"));
    }
    Reply<Void> r = shutdownReply;
    shutdownReply = null;
    if (durability == null) {
      r.ok(null);
    } else {
      durability.later(() -> r.ok(null)); // after the results taken meanwhile are committed
    }
  }

  // ------------------------------------------------------------------ restart

  /** Rebuilds the state from what the store held. Jobs that were running become orphans. */
  private void recover(List<StoredJob> rows) {
    if (rows.isEmpty()) {
      return;
    }
    List<JobRecord> done = new ArrayList<>();
    Map<String, TreeMap<Integer, JobRecord>> recoveredBatches = new HashMap<>();
    for (StoredJob row : rows) {
      Job p = row.getJob();
      Long seq = ids.parse(p.getJobId());
      if (seq == null || seq < 0) {
        log.warn("skipped a stored job with a foreign id", "job", p.getJobId());
        continue;
      }
      JobRecord j = new JobRecord(seq, p.getJobId(), p.getSpec(), instant(p.getSubmittedAt()));
      j.state = p.getState();
      j.reason = p.getDoneReason();
      j.worker = p.getWorker();
      j.error = p.getError();
      j.result = p.getResult();
      j.outputTail = p.getOutputTail();
      j.exitCode = p.hasExitCode() ? p.getExitCode() : null;
      j.startedAt = p.hasStartedAt() ? instant(p.getStartedAt()) : null;
      j.finishedAt = p.hasFinishedAt() ? instant(p.getFinishedAt()) : null;
      jobs.put(seq, j);
      nextJobSeq = Math.max(nextJobSeq, seq + 1);
      if (!row.getBatchKey().isEmpty()) {
        j.batchKey = row.getBatchKey();
        j.batchIndex = row.getBatchIndex();
        recoveredBatches.computeIfAbsent(j.batchKey, k -> new TreeMap<>()).put(j.batchIndex, j);
      }
      submittedTotal++;
      if (!p.getSpec().getIdempotencyKey().isEmpty()) {
        idempotency.put(p.getSpec().getIdempotencyKey(), j.id);
      }
      switch (j.state) {
        case JOB_STATE_PENDING -> {
          pendingByType.computeIfAbsent(j.spec.getType(), t -> new PendingQueue()).add(j);
          pendingCount++;
        }
        case JOB_STATE_RUNNING -> {
          runningCount++;
          orphans.put(row.getLeaseId(), new Orphan(j, row.getLeaseId(), row.getMaxSeconds()));
        }
        default -> {
          doneByReason[j.reason.getNumber()]++;
          done.add(j);
        }
      }
    }
    for (var e : recoveredBatches.entrySet()) {
      List<String> batchIds = new ArrayList<>();
      e.getValue().values().forEach(j -> batchIds.add(j.id));
      batchKeys.put(e.getKey(), new BatchEntry(batchIds, e.getValue().firstEntry().getValue().submittedAt));
    }
    done.sort((a, b) -> a.finishedAt.compareTo(b.finishedAt));
    doneOrder.addAll(done);
    orphanDeadlineNanos = clock.nanos() + cfg.reconnectGrace().toNanos();
    dispatchNeeded = true;
    log.info("recovered", "pending", pendingCount, "running", runningCount, "done", done.size(),
        "reconnect_grace_ms", cfg.reconnectGrace().toMillis());
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /**
   * A lease from before the restart, reported by the worker it was granted to: it is live again,
   * with the same id and what is left of its run time. False if it is no such lease.
   */
  private boolean adopt(WorkerRecord w, long leaseId) {
    Orphan o = orphans.get(leaseId);
    if (o == null || !o.job().worker.equals(w.name) || o.job().isDone()) {
      return false;
    }
    orphans.remove(leaseId);
    Instant started = o.job().startedAt == null ? clock.now() : o.job().startedAt;
    long ranNanos = java.time.Duration.between(started, clock.now()).toNanos();
    long leftNanos = Math.max(0, o.maxSeconds() * 1_000_000_000L - ranNanos);
    LeaseRecord lease = new LeaseRecord(leaseId, o.job(), w, o.maxSeconds(),
        clock.nanos() + leftNanos, true);
    o.job().lease = lease;
    leases.put(leaseId, lease);
    w.occupied.put(leaseId, lease);
    deadlines.add(lease);
    if (w.freeSlots() <= 0) {
      freeWorkers.remove(w);
    }
    log.info("lease re-adopted", "worker", w.name, "job", o.job().id, "lease", leaseId);
    return true;
  }

  // ------------------------------------------------------------------ dispatch and leases

  private void dispatch() {
    if (!dispatchNeeded || shuttingDown) {
      return;
    }
    dispatchNeeded = false;
    boolean progress = true;
    while (progress && pendingCount > 0 && !freeWorkers.isEmpty()) {
      progress = false;
      for (WorkerRecord w : freeWorkers.toArray(new WorkerRecord[0])) {
        PendingQueue queue = bestQueueFor(w);
        if (queue == null) {
          continue;
        }
        JobRecord job = queue.poll();
        pendingCount--;
        grant(job, w);
        progress = true;
        freeWorkers.remove(w);
        if (w.freeSlots() > 0) {
          freeWorkers.add(w); // to the back: spread jobs over workers
        }
      }
    }
  }

  private PendingQueue bestQueueFor(WorkerRecord w) {
    PendingQueue best = null;
    JobRecord bestHead = null;
    for (String type : w.types) {
      PendingQueue q = pendingByType.get(type);
      JobRecord head = q == null ? null : q.peek();
      if (head != null && (bestHead == null || JobRecord.ORDER.compare(head, bestHead) < 0)) {
        best = q;
        bestHead = head;
      }
    }
    return best;
  }

  private void grant(JobRecord job, WorkerRecord w) {
    int max = effectiveMaxSeconds(job.spec);
    job.state = JobState.JOB_STATE_RUNNING;
    runningCount++;
    job.worker = w.name;
    job.startedAt = clock.now();
    changed(job);
    stateChanged(job);
    if (max == 0) {
      // Rule 7: max_seconds 0 times out as soon as the job starts; no need to bother the agent.
      finish(job, DoneReason.DONE_REASON_TIMEOUT, "exceeded max_seconds=0", null);
      return;
    }
    long leaseId = leaseBase + nextLeaseSeq++;
    LeaseRecord lease = new LeaseRecord(leaseId, job, w, max,
        clock.nanos() + max * 1_000_000_000L, true);
    job.lease = lease;
    leases.put(leaseId, lease);
    w.occupied.put(leaseId, lease);
    deadlines.add(lease);
    w.outLeases.add(Lease.newBuilder().setLeaseId(leaseId).setJobId(job.id).setSpec(job.spec)
        .setMaxSeconds(max).build());
    queueFlush(w);
  }

  static String timedOut(int maxSeconds) {
    return "exceeded max_seconds=" + maxSeconds;
  }

  private int effectiveMaxSeconds(JobSpec spec) {
    return spec.hasMaxSeconds() ? spec.getMaxSeconds() : cfg.defaultMaxSeconds();
  }

  /** The lease's job is over at the coordinator; the slot stays held until the agent confirms. */
  private void stopLease(LeaseRecord lease, String reason) {
    endLease(lease);
    queueStop(lease.worker, lease.id, reason);
  }

  /** The lease no longer carries its job: its deadline is void. */
  private void endLease(LeaseRecord lease) {
    if (lease.live) {
      lease.live = false;
      deadlines.ended(lease);
    }
  }

  private void queueStop(WorkerRecord w, long leaseId, String reason) {
    w.outStops.add(StopJob.newBuilder().setLeaseId(leaseId).setReason(reason).build());
    queueFlush(w);
  }

  private void queueFlush(WorkerRecord w) {
    if (!w.queuedForFlush) {
      w.queuedForFlush = true;
      toFlush.add(w);
    }
  }

  private void flush() {
    for (WorkerRecord w : toFlush) {
      w.queuedForFlush = false;
      List<Lease> ls = w.outLeases.isEmpty() ? List.of() : new ArrayList<>(w.outLeases);
      List<StopJob> ss = w.outStops.isEmpty() ? List.of() : new ArrayList<>(w.outStops);
      w.outLeases.clear();
      w.outStops.clear();
      String confirm = w.confirmDrain;
      w.confirmDrain = null;
      long taken = w.resultsToConfirm ? w.resultsSeq : 0;
      w.resultsToConfirm = false;
      if (durability != null) {
        durability.send(w, ls, ss, confirm, taken);
      } else {
        send(w, ls, ss, confirm, taken);
      }
    }
    toFlush.clear();
    if (durability == null) {
      dispatchIfFreed();
    }
  }

  /** A worker's stream drained: send what was held back for it. */
  private void workerReady(WorkerLink link) {
    WorkerRecord w = workersByLink.get(link);
    if (w != null && !w.heldBack.isEmpty() && link.isReady()) {
      List<Lease> held = new ArrayList<>(w.heldBack);
      w.heldBack.clear();
      send(w, held, List.of(), null, 0);
    }
  }

  /**
   * Sends a worker its leases and stop orders, leaving out those no longer live. A worker that
   * does not read its stream gets its stop orders (small) but its leases wait in
   * {@code heldBack} until the stream is ready: the coordinator never buffers without bound.
   */
  private void send(WorkerRecord w, List<Lease> leasesOut, List<StopJob> stopsOut,
      String confirmDrain, long resultsTaken) {
    if (workersByLink.get(w.link) != w) {
      return; // gone meanwhile
    }
    if (resultsTaken > 0) {
      w.link.send(resultsTakenMessage(resultsTaken));
    }
    if (!w.heldBack.isEmpty()) {
      // A held-back lease that ended meanwhile was never sent: free its slot, send no stop.
      for (java.util.Iterator<Lease> it = w.heldBack.iterator(); it.hasNext(); ) {
        LeaseRecord lease = leases.get(it.next().getLeaseId());
        if (lease == null || !lease.live) {
          it.remove();
          if (lease != null) {
            dropUnsent(w, lease);
          }
        }
      }
    }
    if (!leasesOut.isEmpty() && (!w.heldBack.isEmpty() || !w.link.isReady())) {
      w.heldBack.addAll(leasesOut);
      leasesOut = List.of();
    }
    if (!leasesOut.isEmpty()) {
      // A lease cancelled before it was sent is not sent at all: its slot is free again.
      List<Lease> send = new ArrayList<>(leasesOut.size());
      for (Lease l : leasesOut) {
        LeaseRecord lease = leases.get(l.getLeaseId());
        if (lease != null && lease.live) {
          send.add(l);
        } else if (lease != null) {
          dropUnsent(w, lease);
        }
      }
      sendLeases(w, send);
    }
    if (!stopsOut.isEmpty()) {
      List<StopJob> send = new ArrayList<>(stopsOut.size());
      for (StopJob st : stopsOut) {
        if (w.occupied.containsKey(st.getLeaseId())) {
          send.add(st);
        }
      }
      if (!send.isEmpty()) {
        w.link.send(CoordinatorMessage.newBuilder()
            .setStopJobs(StopJobs.newBuilder().addAllStops(send)).build());
      }
    }
    if (confirmDrain != null) {
      // Leases still held back for flow control never reached it: their jobs wait for others.
      for (Lease l : List.copyOf(w.heldBack)) {
        LeaseRecord lease = leases.get(l.getLeaseId());
        if (lease != null && lease.live) {
          ungrant(w, lease);
        }
      }
      w.heldBack.clear();
      w.link.send(CoordinatorMessage.newBuilder().setStopWorker(dev.spc.proto.StopWorker
          .newBuilder().setReason(confirmDrain).setDrain(true)).build());
    }
  }

  /**
   * Sends leases in messages an agent accepts (see {@link Chunks}), for as long as its stream is
   * ready; the rest wait in {@code heldBack} for {@link Msg.WorkerReady}. The stream was ready
   * for the first message.
   */
  private void sendLeases(WorkerRecord w, List<Lease> live) {
    int sent = 0;
    for (List<Lease> chunk : Chunks.of(live)) {
      if (sent > 0 && !w.link.isReady()) {
        break;
      }
      w.link.send(CoordinatorMessage.newBuilder().setLeases(Leases.newBuilder().addAllLeases(chunk)).build());
      sent += chunk.size();
    }
    if (sent < live.size()) {
      w.heldBack.addAll(live.subList(sent, live.size()));
    }
  }

  private static CoordinatorMessage resultsTakenMessage(long upToSeq) {
    return CoordinatorMessage.newBuilder()
        .setResultsTaken(dev.spc.proto.ResultsTaken.newBuilder().setUpToSeq(upToSeq)).build();
  }

  private boolean freedDuringFlush;

  private void dropUnsent(WorkerRecord w, LeaseRecord lease) {
    leases.remove(lease.id);
    w.occupied.remove(lease.id);
    if (w.freeSlots() > 0) {
      freeWorkers.add(w);
      dispatchNeeded = true;
    }
    freedDuringFlush = true;
  }

  private void dispatchIfFreed() {
    if (freedDuringFlush) {
      freedDuringFlush = false;
      dispatch();
      if (!toFlush.isEmpty()) {
        flush();
      }
    }
  }

  private void removePending(JobRecord job) {
    PendingQueue q = pendingByType.get(job.spec.getType());
    if (q != null && job.state == JobState.JOB_STATE_PENDING) {
      q.removed();
      pendingCount--;
    }
  }

  /** Rule 12: the first terminal outcome is final; later calls are ignored. */
  private void finish(JobRecord job, DoneReason reason, String error, ByteString result) {
    if (job.isDone()) {
      return;
    }
    if (job.state == JobState.JOB_STATE_RUNNING) {
      runningCount--;
    }
    doneByReason[reason.getNumber()]++;
    job.state = JobState.JOB_STATE_DONE;
    job.reason = reason;
    job.error = error;
    if (result != null) {
      job.result = result;
    }
    job.finishedAt = clock.now();
    changed(job);
    releaseWaiters(job);
    stateChanged(job);
    doneOrder.add(job);
    if (doneOrder.size() > cfg.maxDoneJobs()) {
      forget(doneOrder.poll());
    }
  }

  /** Retention: an old done job is dropped; its id reads UNKNOWN from now on. */
  private void forget(JobRecord job) {
    jobs.remove(job.seq);
    if (durability != null) {
      durability.forgotten(job);
    }
    String key = job.spec.getIdempotencyKey();
    if (!key.isEmpty() && job.id.equals(idempotency.get(key))) {
      idempotency.remove(key);
    }
    doneByReason[job.reason.getNumber()]--;
  }

  // ------------------------------------------------------------------ for tests and metrics

  private dev.spc.proto.Stats stats() {
    int slots = 0;
    int busy = 0;
    for (WorkerRecord w : workersByName.values()) {
      slots += w.slots;
      busy += w.occupied.size();
    }
    long done = 0;
    for (long n : doneByReason) {
      done += n;
    }
    return dev.spc.proto.Stats.newBuilder()
        .setPending(pendingCount)
        .setRunning(runningCount)
        .setDone(done)
        .setDoneDone(doneByReason[DoneReason.DONE_REASON_DONE_VALUE])
        .setDoneTimeout(doneByReason[DoneReason.DONE_REASON_TIMEOUT_VALUE])
        .setDoneCancelled(doneByReason[DoneReason.DONE_REASON_CANCELLED_VALUE])
        .setDoneCrashed(doneByReason[DoneReason.DONE_REASON_CRASHED_VALUE])
        .setSubmittedTotal(submittedTotal)
        .setWorkers(workersByName.size())
        .setSlots(slots)
        .setBusySlots(busy)
        .setWaiters(waiters.size())
        .build();
  }

  int pendingCount() {
    return pendingCount;
  }

  int liveLeaseCount() {
    int n = 0;
    for (LeaseRecord l : leases.values()) {
      if (l.live) {
        n++;
      }
    }
    return n;
  }

  int waiterCount() {
    return waiters.size();
  }
}
