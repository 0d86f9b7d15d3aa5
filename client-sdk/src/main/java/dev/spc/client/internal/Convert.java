package dev.spc.client.internal;

import com.google.protobuf.Timestamp;
import dev.spc.client.DoneReason;
import dev.spc.client.JobAttempt;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.WorkerInfo;
import dev.spc.proto.Job;
import dev.spc.proto.Worker;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/** Between the SDK's value types and the wire messages. */
public final class Convert {
  private Convert() {}

  public static JobSpec fromProto(dev.spc.proto.JobSpec p) {
    JobSpec.Builder b = JobSpec.newBuilder(p.getType().isEmpty() ? "?" : p.getType())
        .args(p.getArgsList())
        .payload(p.getPayload().toByteArray())
        .priority(p.getPriority())
        .idempotencyKey(p.getIdempotencyKey())
        .env(p.getEnvMap())
        .labels(p.getLabelsMap())
        .constraints(p.getConstraintsMap())
        .concurrencyKey(p.getConcurrencyKey())
        .traceContext(p.getTraceparent(), p.getTracestate())
        .dependsOn(p.getDependsOnList().stream().map(JobId::of).toList())
        .onDependencyFailure(p.getOnDependencyFailure() == dev.spc.proto.DependencyFailure.DEPENDENCY_FAILURE_RUN
            ? dev.spc.client.DependencyFailure.RUN : dev.spc.client.DependencyFailure.CANCEL)
        .cwd(p.getCwd());
    if (p.hasMaxSeconds() && p.getMaxSeconds() >= 0) {
      b.maxSeconds(p.getMaxSeconds());
    }
    if (p.hasRetry()) {
      b.retry(dev.spc.client.RetryPolicy.fromProto(p.getRetry()));
    }
    if (p.hasStartAfter()) {
      b.startAfter(java.time.Duration.ofSeconds(p.getStartAfter().getSeconds(), p.getStartAfter().getNanos()));
    }
    if (p.hasStartAt()) {
      b.startAt(Instant.ofEpochSecond(p.getStartAt().getSeconds(), p.getStartAt().getNanos()));
    }
    if (p.hasExpireAfter()) {
      b.expireAfter(java.time.Duration.ofSeconds(p.getExpireAfter().getSeconds(),
          p.getExpireAfter().getNanos()));
    }
    return b.build();
  }

  public static JobState state(dev.spc.proto.JobState s) {
    return switch (s) {
      case JOB_STATE_PENDING -> JobState.PENDING;
      case JOB_STATE_RUNNING -> JobState.RUNNING;
      case JOB_STATE_DONE -> JobState.DONE;
      case JOB_STATE_SCHEDULED -> JobState.SCHEDULED;
      case JOB_STATE_BLOCKED -> JobState.BLOCKED;
      default -> JobState.UNKNOWN;
    };
  }

  /** A key for a submit that has none, so that a retried submit creates its job once. */
  public static String newKey() {
    return "sdk-" + java.util.UUID.randomUUID();
  }

  public static dev.spc.client.CoordinatorStats fromProto(dev.spc.proto.Stats s) {
    return new dev.spc.client.CoordinatorStats(s.getPending(), s.getRunning(), s.getDone(), s.getDoneDone(),
        s.getDoneTimeout(), s.getDoneCancelled(), s.getDoneCrashed(), s.getSubmittedTotal(),
        s.getWorkers(), s.getSlots(), s.getBusySlots(), s.getWaiters(), s.getScheduled(),
        s.getDoneExpired(), s.getRetriesTotal(), s.getSchedules(), s.getSchedulesPaused(),
        s.getScheduleFiresTotal(), s.getScheduleSkipsTotal(), s.getAccessLevel(), s.getBlocked(),
        s.getFinishedTotal(), s.getFinishedDoneTotal());
  }

  public static JobStatus fromProto(Job j) {
    JobState state = state(j.getState());
    Optional<DoneReason> reason = reason(j.getDoneReason());
    return new JobStatus(JobId.of(j.getJobId()), state, reason,
        j.hasSpec() && !j.getSpec().getType().isEmpty() ? fromProto(j.getSpec()) : null,
        j.getWorker(), j.getError(), j.getResult().toByteArray(),
        j.hasExitCode() ? OptionalInt.of(j.getExitCode()) : OptionalInt.empty(),
        instant(j.hasSubmittedAt(), j.getSubmittedAt()),
        instant(j.hasStartedAt(), j.getStartedAt()),
        instant(j.hasFinishedAt(), j.getFinishedAt()),
        j.getPendingReason(),
        j.getOutputTail().toByteArray(),
        j.hasProgress() ? java.util.OptionalDouble.of(j.getProgress()) : java.util.OptionalDouble.empty(),
        j.getProgressMessage(), j.getAttempt(), Math.max(1, j.getMaxAttempts()),
        j.getAttemptsList().stream().map(a -> new JobAttempt(a.getAttempt(), a.getWorker(),
            instant(a.hasStartedAt(), a.getStartedAt()), instant(a.hasFinishedAt(), a.getFinishedAt()),
            reason(a.getDoneReason()).orElse(DoneReason.CRASHED), a.getError(),
            a.hasExitCode() ? OptionalInt.of(a.getExitCode()) : OptionalInt.empty())).toList(),
        instant(j.hasNextAttemptAt(), j.getNextAttemptAt()),
        j.getRerunOf().isEmpty() ? Optional.empty() : Optional.of(JobId.of(j.getRerunOf())),
        j.getScheduleId().isEmpty() ? Optional.empty() : Optional.of(j.getScheduleId()),
        instant(j.hasScheduledFor(), j.getScheduledFor()),
        j.getStdoutTail().toByteArray(), j.getStderrTail().toByteArray(),
        j.getDependenciesList().stream().map(d -> new dev.spc.client.DependencyOutcome(JobId.of(d.getJobId()),
            d.getState() == dev.spc.proto.JobState.JOB_STATE_UNSPECIFIED ? JobState.PENDING : state(d.getState()),
            reason(d.getDoneReason()), d.getError(), d.getResult().toByteArray(),
            d.hasExitCode() ? OptionalInt.of(d.getExitCode()) : OptionalInt.empty())).toList());
  }

  public static Optional<DoneReason> reason(dev.spc.proto.DoneReason r) {
    return switch (r) {
      case DONE_REASON_DONE -> Optional.of(DoneReason.DONE);
      case DONE_REASON_TIMEOUT -> Optional.of(DoneReason.TIMEOUT);
      case DONE_REASON_CANCELLED -> Optional.of(DoneReason.CANCELLED);
      case DONE_REASON_CRASHED -> Optional.of(DoneReason.CRASHED);
      case DONE_REASON_EXPIRED -> Optional.of(DoneReason.EXPIRED);
      default -> Optional.empty();
    };
  }

  public static dev.spc.proto.DoneReason toProto(DoneReason r) {
    return switch (r) {
      case DONE -> dev.spc.proto.DoneReason.DONE_REASON_DONE;
      case TIMEOUT -> dev.spc.proto.DoneReason.DONE_REASON_TIMEOUT;
      case CANCELLED -> dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
      case CRASHED -> dev.spc.proto.DoneReason.DONE_REASON_CRASHED;
      case EXPIRED -> dev.spc.proto.DoneReason.DONE_REASON_EXPIRED;
    };
  }

  public static dev.spc.proto.JobState toProto(JobState s) {
    return switch (s) {
      case PENDING -> dev.spc.proto.JobState.JOB_STATE_PENDING;
      case RUNNING -> dev.spc.proto.JobState.JOB_STATE_RUNNING;
      case SCHEDULED -> dev.spc.proto.JobState.JOB_STATE_SCHEDULED;
      case DONE -> dev.spc.proto.JobState.JOB_STATE_DONE;
      case UNKNOWN -> dev.spc.proto.JobState.JOB_STATE_UNKNOWN;
      case BLOCKED -> dev.spc.proto.JobState.JOB_STATE_BLOCKED;
    };
  }

  public static WorkerInfo fromProto(Worker w) {
    return new WorkerInfo(w.getName(), w.getJobTypesList(), w.getSlots(),
        w.getRunningJobIdsList().stream().map(JobId::of).toList(), w.getStuckSlots(), w.getHost(),
        instant(w.hasConnectedAt(), w.getConnectedAt()),
        instant(w.hasLastHeartbeatAt(), w.getLastHeartbeatAt()), w.getDraining(), w.getUnsentLeases(),
        java.util.Map.copyOf(w.getLabelsMap()));
  }

  private static @Nullable Instant instant(boolean has, Timestamp t) {
    return has ? Instant.ofEpochSecond(t.getSeconds(), t.getNanos()) : null;
  }

  public static dev.spc.client.ClusterInfo fromProto(dev.spc.proto.Cluster c) {
    return new dev.spc.client.ClusterInfo(c.getLeader().isEmpty() ? null : c.getLeader(),
        c.getEpoch(), c.getRole(), c.getSelf(), c.getMembersList().stream()
            .map(m -> new dev.spc.client.ClusterInfo.Member(m.getAddress(), m.getRole(),
                m.hasLastSeen() ? java.time.Instant.ofEpochSecond(m.getLastSeen().getSeconds(),
                    m.getLastSeen().getNanos()) : null))
            .toList());
  }
}
