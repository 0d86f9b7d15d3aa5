package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Every job the coordinator holds, its pending queues, counters and idempotency keys, and the one
 * writer of job state: every change of a job's state goes through {@link #transition}, which
 * checks it against {@link JobStates#TABLE} and keeps the counters, the store, the waiters and the
 * watchers in step.
 *
 * <p>Retention: done jobs are kept in the order they finished and forgotten when too many or too
 * old (their ids then read UNKNOWN); batch idempotency keys expire with the same age.
 */
final class JobTable {
  /** Told of every change of a job's state (after the table is updated). */
  interface Observer {
    void stateChanged(JobRecord job);

    void done(JobRecord job);
  }

  private final CoordinatorConfig cfg;
  private final Clock clock;
  private final JobIds ids;
  private final Durability commits;
  private final Observer observer;

  private final JobIndex jobs = new JobIndex();
  private final PendingQueues queues = new PendingQueues();
  private final ConcurrencyKeys keys;
  private int pendingCount;
  private int runningCount;
  private int scheduledCount;
  private int blockedCount;
  private long retriesTotal;
  private final JobTimers timers = new JobTimers();
  private final java.util.random.RandomGenerator random;
  private long submittedTotal;
  private final DoneCounts done = new DoneCounts();
  /** Jobs' sequences by their idempotency key (ids are formatted when asked for: 56 bytes each). */
  private final Map<String, Long> idempotency = new HashMap<>();
  /** Batches by idempotency key, oldest first (for retention). */
  private final LinkedHashMap<String, BatchEntry> batchKeys = new LinkedHashMap<>();
  /** Done jobs in the order they finished, for forgetting the oldest. */
  private final ArrayDeque<JobRecord> doneOrder = new ArrayDeque<>();
  private long nextSeq;
  /** Sequences of earlier terms that recovered jobs hold: first to last + 1, by first. */
  private final java.util.TreeMap<Long, Long> earlierTerms = new java.util.TreeMap<>();

  /** A batch's jobs, by sequence. */
  record BatchEntry(long[] seqs, Instant at) {}

  JobTable(CoordinatorConfig cfg, Clock clock, JobIds ids, Durability commits, Observer observer) {
    this(cfg, clock, new java.util.SplittableRandom(), ids, commits, observer, Map.of(), () -> { });
  }

  /** {@code settings} hold the concurrency limits; {@code wakeDispatch} is told when jobs may start. */
  JobTable(CoordinatorConfig cfg, Clock clock, java.util.random.RandomGenerator random, JobIds ids,
      Durability commits, Observer observer, Map<String, String> settings, Runnable wakeDispatch) {
    this.keys = new ConcurrencyKeys(commits, queues::putBack, wakeDispatch, settings);
    this.random = random;
    this.cfg = cfg;
    this.clock = clock;
    this.ids = ids;
    this.commits = commits;
    this.observer = observer;
    this.nextSeq = ids.firstSeq();
  }

  JobIds ids() {
    return ids;
  }

  PendingQueues queues() {
    return queues;
  }

  ConcurrencyKeys keys() {
    return keys;
  }

  // ------------------------------------------------------------------ reading

  @Nullable JobRecord get(long seq) {
    return jobs.get(seq);
  }

  /** Every job held, in no order (a view: do not change the table while walking it). */
  java.util.Collection<JobRecord> all() {
    return jobs.all();
  }

  boolean contains(JobRecord job) {
    return jobs.get(job.seq) == job;
  }

  /** The job of an existing idempotency key, or null. */
  @Nullable String idOfKey(String key) {
    Long seq = idempotency.get(key);
    return seq == null ? null : ids.format(seq);
  }

  /** The ids of an earlier batch with this key, or null. */
  @Nullable List<String> batch(String key) {
    BatchEntry e = batchKeys.get(key);
    if (e == null) {
      return null;
    }
    List<String> out = new java.util.ArrayList<>(e.seqs().length);
    for (long seq : e.seqs()) {
      out.add(ids.format(seq));
    }
    return out;
  }

  /**
   * Where jobs may be, in order: one range of sequences per term that holds jobs, the current term
   * last; each {@code {first, end}} with gaps where jobs were forgotten.
   */
  List<long[]> seqRanges() {
    List<long[]> out = new java.util.ArrayList<>(earlierTerms.size() + 1);
    earlierTerms.forEach((first, end) -> out.add(new long[] {first, end}));
    out.add(new long[] {ids.firstSeq(), nextSeq});
    return out;
  }

  int pendingCount() {
    return pendingCount;
  }

  int runningCount() {
    return runningCount;
  }

  int scheduledCount() {
    return scheduledCount;
  }

  int blockedCount() {
    return blockedCount;
  }

  long retriesTotal() {
    return retriesTotal;
  }

  long submittedTotal() {
    return submittedTotal;
  }

  DoneCounts done() {
    return done;
  }

  // ------------------------------------------------------------------ writing

  /** A new pending job (rule 1). */
  JobRecord add(JobSpec spec, Instant now, String batchKey, int batchIndex) {
    return add(spec, now, batchKey, batchIndex, false, Labels.constraintsOf(spec));
  }

  /** A new job: pending (rule 1), or BLOCKED for {@link Dependencies#attach} when {@code blocked}. */
  JobRecord add(JobSpec spec, Instant now, String batchKey, int batchIndex, boolean blocked,
      Map<String, String> constraints) {
    long seq = nextSeq++;
    JobRecord job = new JobRecord(seq, ids, spec, now, constraints);
    job.maxAttempts = Retries.maxAttempts(spec, cfg);
    if (!batchKey.isEmpty()) {
      job.batchKey = batchKey;
      job.batchIndex = batchIndex;
    }
    jobs.put(job);
    commits.changed(job);
    Instant notBefore = JobTimers.startTime(spec, now);
    if (blocked) {
      job.state = JobState.JOB_STATE_BLOCKED;
      blockedCount++;
    } else if (notBefore != null && notBefore.isAfter(now)) {
      job.state = JobState.JOB_STATE_SCHEDULED;
      job.nextAttemptAt = notBefore;
      scheduledCount++;
      timers.add(notBefore, job, JobTimers.Kind.DUE);
    } else {
      enqueue(job);
    }
    if (spec.hasExpireAfter()) {
      timers.add(JobTimers.expiry(job), job, JobTimers.Kind.EXPIRE);
    }
    submittedTotal++;
    if (!spec.getIdempotencyKey().isEmpty()) {
      idempotency.put(spec.getIdempotencyKey(), seq);
    }
    return job;
  }

  /** A batch made under idempotency key {@code key}: its jobs' sequences, in the batch's order. */
  void addBatch(String key, long[] seqs, Instant now) {
    batchKeys.put(key, new BatchEntry(seqs, now));
    while (batchKeys.size() > cfg.maxDoneJobs()) {
      batchKeys.pollFirstEntry();
    }
  }

  /** Its dependencies are done: it is pending, or scheduled if its start time is still ahead. */
  void unblock(JobRecord job) {
    Instant notBefore = JobTimers.startTime(job.spec, job.submittedAt);
    if (notBefore != null && notBefore.isAfter(clock.now())) {
      transition(job, JobStates.Event.DELAY);
      job.nextAttemptAt = notBefore;
      timers.add(notBefore, job, JobTimers.Kind.DUE);
    } else {
      transition(job, JobStates.Event.UNBLOCK);
    }
    commits.changed(job);
    observer.stateChanged(job);
  }

  /** Takes the head of {@code queue} to lease it: it is RUNNING on {@code worker} from now. */
  JobRecord lease(PendingQueue queue, String worker) {
    JobRecord job = java.util.Objects.requireNonNull(queue.poll(), "the best queue is not empty");
    started(job, worker);
    return job;
  }

  /** The job, taken from its queue, runs on {@code worker} from now. */
  void started(JobRecord job, String worker) {
    transition(job, JobStates.Event.LEASE);
    job.attempt++;
    job.worker = worker;
    job.startedAt = clock.now();
    commits.changed(job);
    observer.stateChanged(job);
  }

  /** A lease that never reached its worker: the job is pending again, on the same attempt. */
  void returnToPending(JobRecord job) {
    transition(job, JobStates.Event.RETURN);
    job.attempt = Math.max(0, job.attempt - 1);
    job.worker = "";
    job.startedAt = null;
    job.lease = null;
    commits.changed(job);
    observer.stateChanged(job);
  }

  /**
   * Decides the job's outcome; false (and nothing changes) if it already has one: rule 12, the
   * first terminal outcome is final.
   */
  boolean finish(JobRecord job, DoneReason reason, String error, @Nullable ByteString result) {
    return finish(job, reason, error, result, true);
  }

  /**
   * As {@link #finish(JobRecord, DoneReason, String, ByteString)}; an attempt that ran and ended
   * for a reason its policy retries, with attempts left and {@code retryable}, is tried again
   * after its backoff instead (the job keeps its id and waits SCHEDULED).
   */
  boolean finish(JobRecord job, DoneReason reason, String error, @Nullable ByteString result,
      boolean retryable) {
    if (job.isDone()) {
      return false;
    }
    if (job.state == JobState.JOB_STATE_RUNNING && job.maxAttempts > 1) {
      // A single attempt is the job's own fields (Views shows it); only retried jobs keep a list.
      Retries.recordAttempt(job, reason, error, clock.now());
      if (retryable && job.attempt < job.maxAttempts
          && Retries.retriesOn(job.spec, reason) && !Retries.finalExitCode(job.spec, job.out().exitCode)) {
        retry(job, error);
        return true;
      }
    }
    transition(job, JobStates.Event.FINISH);
    job.nextAttemptAt = null;
    done.ended(reason);
    job.reason = reason;
    job.error(error);
    if (result != null) {
      job.result(result);
    }
    job.finishedAt = clock.now();
    commits.changed(job);
    observer.done(job);
    observer.stateChanged(job);
    doneOrder.add(job);
    if (doneOrder.size() > cfg.maxDoneJobs()) {
      forget(doneOrder.poll());
    }
    return true;
  }

  /** The attempt that ran failed ({@code error}): the job waits SCHEDULED for its backoff. */
  void retry(JobRecord job, String error) {
    transition(job, JobStates.Event.RETRY);
    retriesTotal++;
    Instant due = clock.now().plusMillis(Retries.backoffMillis(job.spec.getRetry(), job.attempt, random));
    job.nextAttemptAt = due;
    job.error(error);
    job.worker = "";
    job.startedAt = null;
    job.lease = null;
    timers.add(due, job, JobTimers.Kind.DUE);
    commits.changed(job);
    observer.stateChanged(job);
  }

  /**
   * Fires the timers due by {@code now}: jobs whose start time or backoff has passed become
   * pending; jobs not started by their expiry end EXPIRED. True if any became pending.
   */
  boolean fireTimers(Instant now) {
    boolean[] ready = {false};
    timers.fire(now, (job, kind) -> {
      if (!contains(job)) {
        return; // forgotten meanwhile
      }
      switch (kind) {
        case DUE -> {
          if (job.state == JobState.JOB_STATE_SCHEDULED && job.nextAttemptAt != null
              && !job.nextAttemptAt.isAfter(now)) {
            due(job);
            ready[0] = true;
          }
        }
        case EXPIRE -> {
          if (job.attempt == 0 && (job.state == JobState.JOB_STATE_PENDING
              || job.state == JobState.JOB_STATE_SCHEDULED || job.state == JobState.JOB_STATE_BLOCKED)) {
            finish(job, DoneReason.DONE_REASON_EXPIRED, "not started within expire_after="
                + dev.spc.common.Durations.format(java.time.Duration.ofMillis(
                    Retries.millis(job.spec.getExpireAfter()))), null);
          }
        }
      }
    });
    return ready[0];
  }

  /** Nanoseconds until the earliest timer is due (0 if due); MAX_VALUE if there is none. */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // the part of a millisecond: getNano() is it
  long nanosToNextTimer() {
    long at = timers.nextAtMillis();
    if (at == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    Instant now = clock.now();
    return Math.max(0, (at - now.toEpochMilli()) * 1_000_000L - now.getNano() % 1_000_000);
  }

  /** The job's start time or backoff has passed: it is pending, ready to run. */
  void due(JobRecord job) {
    transition(job, JobStates.Event.DUE);
    job.nextAttemptAt = null;
    commits.changed(job);
    observer.stateChanged(job);
  }

  /** Something about a job besides its state changed (output of a stopped job): store it. */
  void touched(JobRecord job) {
    commits.changed(job);
  }

  /** The one place a job's state changes: checked against {@link JobStates#TABLE}, counters kept. */
  private void transition(JobRecord job, JobStates.Event event) {
    JobState from = job.state;
    JobState to = JobStates.next(from, event);
    if (to == null) {
      throw new IllegalStateException("job " + job.id() + ": " + event + " is not allowed in " + from);
    }
    switch (from) {
      case JOB_STATE_PENDING -> {
        pendingCount--;
        if (event != JobStates.Event.LEASE) {
          queues.removed(job); // still in its queue: skipped when reached
        }
      }
      case JOB_STATE_RUNNING -> runningCount--;
      case JOB_STATE_SCHEDULED -> scheduledCount--;
      case JOB_STATE_BLOCKED -> blockedCount--;
      default -> { }
    }
    job.state = to;
    switch (to) {
      case JOB_STATE_PENDING -> enqueue(job);
      case JOB_STATE_RUNNING -> {
        runningCount++;
        keys.acquired(job);
      }
      case JOB_STATE_SCHEDULED -> scheduledCount++;
      default -> { }
    }
    if (from == JobState.JOB_STATE_RUNNING) {
      keys.released(job); // after the state changed: the key's next job may start
    }
  }


  private void enqueue(JobRecord job) {
    queues.add(job);
    pendingCount++;
  }

  // ------------------------------------------------------------------ retention

  /** Forgets done jobs and batch keys older than the retention age. */
  void expireOlderThan(Instant oldest) {
    while (!doneOrder.isEmpty() && doneOrder.peekFirst().doneAt().isBefore(oldest)) {
      forget(doneOrder.pollFirst());
    }
    while (!batchKeys.isEmpty() && batchKeys.firstEntry().getValue().at().isBefore(oldest)) {
      batchKeys.pollFirstEntry();
    }
  }

  /** Retention: an old done job is dropped; its id reads UNKNOWN from now on. */
  private void forget(JobRecord job) {
    jobs.remove(job.seq);
    commits.forgotten(job);
    String key = job.spec.getIdempotencyKey();
    if (!key.isEmpty() && Long.valueOf(job.seq).equals(idempotency.get(key))) {
      idempotency.remove(key);
    }
    done.dropped(job.reason);
  }

  // ------------------------------------------------------------------ recovery

  /**
   * A job as the store held it, in its stored state (not a transition: this is how it was).
   * Done jobs must be handed to {@link #restoreDone} in the order they finished.
   */
  void restore(JobRecord j) {
    jobs.put(j);
    if (j.seq >= ids.firstSeq()) {
      throw new IllegalStateException("stored job " + j.id() + " is not from a term before this one");
    }
    long first = JobIds.base(JobIds.termOf(j.seq)) + 1;
    earlierTerms.merge(first, j.seq + 1, Math::max);
    submittedTotal++;
    if (!j.spec.getIdempotencyKey().isEmpty()) {
      idempotency.put(j.spec.getIdempotencyKey(), j.seq);
    }
    switch (j.state) {
      case JOB_STATE_PENDING -> enqueue(j);
      case JOB_STATE_RUNNING -> {
        runningCount++;
        keys.acquired(j);
      }
      case JOB_STATE_BLOCKED -> blockedCount++;
      case JOB_STATE_SCHEDULED -> {
        scheduledCount++;
        timers.add(j.nextAttemptAt != null ? j.nextAttemptAt : j.submittedAt, j, JobTimers.Kind.DUE);
      }
      default -> done.restored(j.reason);
    }
    if (!j.isDone() && j.attempt == 0 && j.spec.hasExpireAfter()) {
      timers.add(JobTimers.expiry(j), j, JobTimers.Kind.EXPIRE);
    }
  }

  void restoreDone(List<JobRecord> doneInOrder) {
    doneOrder.addAll(doneInOrder);
  }

  void restoreBatch(String key, long[] seqs, Instant at) {
    batchKeys.put(key, new BatchEntry(seqs, at));
  }
}
