package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One job as the loop holds it. Mutable, loop thread only. */
final class JobRecord {
  /** Scheduling order: higher priority first, then submission order. */
  static final Comparator<JobRecord> ORDER = (a, b) -> {
    int p = Integer.compare(b.spec.getPriority(), a.spec.getPriority());
    return p != 0 ? p : Long.compare(a.seq, b.seq);
  };

  final long seq;
  final String id;
  final JobSpec spec;
  final Instant submittedAt;

  JobState state = JobState.JOB_STATE_PENDING;
  DoneReason reason = DoneReason.DONE_REASON_UNSPECIFIED;
  String worker = "";
  String error = "";
  ByteString result = ByteString.EMPTY;
  ByteString outputTail = ByteString.EMPTY;
  @Nullable Integer exitCode;
  @Nullable Instant startedAt;
  @Nullable Instant finishedAt;
  /** The current (or last) lease; null while pending. */
  @Nullable LeaseRecord lease;
  /** The idempotency key of its batch ("" if none) and its index there, for recovery. */
  String batchKey = "";
  int batchIndex;
  /** The current or last attempt, from 1 (0 before the first start). */
  int attempt;
  /** The attempts it may have in all, fixed at submission. */
  int maxAttempts = 1;
  /** Finished attempts, oldest first; null until there is one. */
  @Nullable List<dev.spc.proto.JobAttempt> attempts;
  /** While SCHEDULED: when it is ready to run. */
  @Nullable Instant nextAttemptAt;
  /** The job this one runs again (RerunJob), or "". */
  String rerunOf = "";
  /** A job a schedule made: the schedule ("" if none) and the fire time it was made for. */
  String scheduleId = "";
  @Nullable Instant scheduledFor;
  @Nullable Double progress;
  String progressMessage = "";
  /** Recent events and watchers; null until there are some. */
  @Nullable JobLog log;
  /** Callers waiting for this job to be done; null when there are none. */
  @Nullable List<Waiter> waiters;
  /** While PENDING: the queue it waits in (its type's, or its concurrency key's while held back). */
  @Nullable PendingQueue queue;
  /** The last bytes of a process's stdout and stderr, apart. */
  ByteString stdoutTail = ByteString.EMPTY;
  ByteString stderrTail = ByteString.EMPTY;
  /**
   * The outcomes of the jobs it depends on ({@code spec.depends_on}, same order), null for those
   * not done yet; null when it depends on none.
   */
  dev.spc.proto.DependencyOutcome @Nullable [] dependencyOutcomes;
  /** While BLOCKED: how many of its dependencies are not done yet. */
  int blockedOn;
  /** Jobs blocked on this one; null when there are none. */
  @Nullable List<JobRecord> dependents;

  /**
   * The spec's constraints, read once: a protobuf map accessor allocates on every call, and the
   * queues look at them each time the job becomes pending.
   */
  final java.util.Map<String, String> constraints;

  JobRecord(long seq, String id, JobSpec spec, Instant submittedAt) {
    this(seq, id, spec, submittedAt, Labels.constraintsOf(spec));
  }

  /** With the spec's constraints read already (by the validator). */
  JobRecord(long seq, String id, JobSpec spec, Instant submittedAt, java.util.Map<String, String> constraints) {
    this.seq = seq;
    this.id = id;
    this.spec = spec;
    this.constraints = constraints.isEmpty() ? java.util.Map.of() : constraints;
    this.submittedAt = submittedAt;
  }

  /** When a done job finished (every done job has a finish time). */
  Instant doneAt() {
    return java.util.Objects.requireNonNull(finishedAt, "a done job has a finish time");
  }

  boolean isDone() {
    return state == JobState.JOB_STATE_DONE;
  }

  String concurrencyKey() {
    return spec.getConcurrencyKey();
  }

  void addWaiter(Waiter w) {
    if (waiters == null) {
      waiters = new ArrayList<>(2);
    }
    waiters.add(w);
  }
}
