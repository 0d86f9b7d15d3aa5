package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import dev.spc.proto.DoneReason;
import dev.spc.proto.EmptyMaps;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One job as the loop holds it. Mutable, loop thread only. */
final class JobRecord {
  /** What made a job: {@code rerunOf} the job it runs again, or a schedule's fire ("" if none). */
  record Origin(String rerunOf, String scheduleId, @Nullable Instant scheduledFor) {
    static final Origin NONE = new Origin("", "", null);

    static Origin rerun(String of) {
      return new Origin(of, "", null);
    }

    static Origin fire(String scheduleId, Instant scheduledFor) {
      return new Origin("", scheduleId, scheduledFor);
    }
  }

  /** Scheduling order: higher priority first, then submission order. */
  static final Comparator<JobRecord> ORDER = (a, b) -> {
    int p = Integer.compare(b.spec.getPriority(), a.spec.getPriority());
    return p != 0 ? p : Long.compare(a.seq, b.seq);
  };

  final long seq;
  /** Formats its id from the sequence: ids are not held, 56 bytes a job. */
  private final JobIds ids;
  final JobSpec spec;
  final Instant submittedAt;

  JobState state = JobState.JOB_STATE_PENDING;
  DoneReason reason = DoneReason.DONE_REASON_UNSPECIFIED;
  String worker = "";
  /** Read only: written through {@link #error}, {@link #result}, {@link #process}, {@link #progress}. */
  private JobOutput out = JobOutput.NONE;
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
  /**
   * What made it, when not a plain submit: the job it runs again (RerunJob), or the schedule and
   * the fire time it was made for. One shared {@link Origin#NONE} for the others.
   */
  Origin origin = Origin.NONE;
  /** Recent events and watchers; null until there are some. */
  @Nullable JobLog log;
  /** Callers waiting for this job to be done; null when there are none. */
  @Nullable List<Waiter> waiters;
  /** While PENDING: the queue it waits in (its type's, or its concurrency key's while held back). */
  @Nullable PendingQueue queue;
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
   * Whether a row handed to storage carried its fixed part ({@link Persistence.JobRow}), so later
   * rows need only the state. False for a recovered job: its first row rewrites the fixed part, so
   * a row stored whole by an older coordinator is rewritten in the new layout.
   */
  boolean fixedStored;
  /** Whether the batch under way changed it: it is then in that batch's rows once ({@link Durability}). */
  boolean dirty;

  /**
   * The spec's constraints, read once: a protobuf map accessor allocates on every call, and the
   * queues look at them each time the job becomes pending.
   */
  final java.util.Map<String, String> constraints;

  JobRecord(long seq, JobIds ids, JobSpec spec, Instant submittedAt) {
    this(seq, ids, spec, submittedAt, Labels.constraintsOf(spec));
  }

  /** With the spec's constraints read already (by the validator). */
  JobRecord(long seq, JobIds ids, JobSpec spec, Instant submittedAt, java.util.Map<String, String> constraints) {
    this.seq = seq;
    this.ids = ids;
    this.spec = EmptyMaps.share(spec); // read at every lease and stored row: see EmptyMaps
    this.constraints = constraints.isEmpty() ? java.util.Map.of() : constraints;
    this.submittedAt = submittedAt;
  }

  /** What its runs produced (read only: {@link JobOutput#NONE} is shared). */
  JobOutput out() {
    return out;
  }

  private JobOutput own() {
    if (out == JobOutput.NONE) {
      out = new JobOutput();
    }
    return out;
  }

  void error(String error) {
    if (!error.isEmpty() || out != JobOutput.NONE) {
      own().error = error;
    }
  }

  void result(ByteString result) {
    if (!result.isEmpty() || out != JobOutput.NONE) {
      own().result = result;
    }
  }

  /** A process's exit code (null: none, or not a process) and the last bytes of its output. */
  void process(@Nullable Integer exitCode, ByteString outputTail, ByteString stdoutTail,
      ByteString stderrTail) {
    if (exitCode != null || !outputTail.isEmpty() || !stdoutTail.isEmpty() || !stderrTail.isEmpty()
        || out != JobOutput.NONE) {
      JobOutput o = own();
      o.exitCode = exitCode;
      o.outputTail = outputTail;
      o.stdoutTail = stdoutTail;
      o.stderrTail = stderrTail;
    }
  }

  void progress(double fraction, String message) {
    JobOutput o = own();
    o.progress = fraction;
    o.progressMessage = message;
  }

  /** The id clients know it by, like {@code mi8tq1k0-3-42}. */
  String id() {
    return ids.format(seq);
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
