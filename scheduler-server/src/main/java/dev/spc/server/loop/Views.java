package dev.spc.server.loop;

import com.google.protobuf.Timestamp;
import dev.spc.proto.Job;
import dev.spc.proto.JobState;
import dev.spc.proto.Worker;
import java.time.Instant;
import java.util.Map;

/** Snapshots of loop state as API messages, taken on the loop thread. */
final class Views {
  private Views() {}

  static Job job(JobRecord r, Map<String, Integer> workersPerType) {
    Job.Builder b = builder(r, workersPerType);
    if (r.dependencyOutcomes != null) { // stored whole; shown with results up to a budget
      b.clearDependencies().addAllDependencies(Dependencies.outcomes(r, Dependencies.VIEW_RESULT_BYTES));
    }
    if (r.attempts == null && r.isDone() && r.attempt > 0) {
      b.addAttempts(onlyAttempt(r)); // a job allowed one attempt: its own fields say it all
    }
    return b.build();
  }

  private static dev.spc.proto.JobAttempt onlyAttempt(JobRecord r) {
    dev.spc.proto.JobAttempt.Builder a = dev.spc.proto.JobAttempt.newBuilder().setAttempt(r.attempt)
        .setWorker(r.worker).setDoneReason(r.reason).setError(r.out().error);
    if (r.startedAt != null) {
      a.setStartedAt(ts(r.startedAt));
    }
    if (r.finishedAt != null) {
      a.setFinishedAt(ts(r.finishedAt));
    }
    if (r.out().exitCode != null) {
      a.setExitCode(r.out().exitCode);
    }
    return a.build();
  }

  /**
   * What a stored row says of a job once and never again: its id, spec, submission, origin and
   * attempts allowed. The loop stores it with the job's first row; later rows hold only {@link
   * #storedState}. The two set disjoint fields, so one merged onto the other is the whole job.
   */
  static Job storedFixed(JobRecord r) {
    return fixedFields(Job.newBuilder(), r).build();
  }

  /**
   * What changes as a job goes on, as stored: without the fixed part, without the attempt a
   * single-attempt job shows from its own fields, and without why it waits.
   */
  static Job storedState(JobRecord r) {
    return stateFields(Job.newBuilder(), r).build();
  }

  /** The job's fields, with why it waits ({@code workersPerType} says who could run it). */
  private static Job.Builder builder(JobRecord r, Map<String, Integer> workersPerType) {
    Job.Builder b = stateFields(fixedFields(Job.newBuilder(), r), r);
    if (r.state == JobState.JOB_STATE_PENDING) {
      b.setPendingReason(pendingReason(r, workersPerType));
    } else if (r.state == JobState.JOB_STATE_BLOCKED) {
      b.setPendingReason(Dependencies.waitingFor(r));
    } else if (r.state == JobState.JOB_STATE_SCHEDULED && r.nextAttemptAt != null) {
      b.setPendingReason(r.attempt == 0 ? "starts at " + r.nextAttemptAt
          : "attempt " + r.attempt + " of " + r.maxAttempts + " failed (" + r.out().error + "); attempt "
              + (r.attempt + 1) + " at " + r.nextAttemptAt);
    }
    return b;
  }

  /** The fields fixed at submission ({@link #storedFixed}). */
  private static Job.Builder fixedFields(Job.Builder b, JobRecord r) {
    b.setJobId(r.id()).setSpec(r.spec).setSubmittedAt(ts(r.submittedAt)).setMaxAttempts(r.maxAttempts)
        .setRerunOf(r.origin.rerunOf());
    Instant scheduledFor = r.origin.scheduledFor();
    if (scheduledFor != null) {
      b.setScheduleId(r.origin.scheduleId()).setScheduledFor(ts(scheduledFor));
    }
    return b;
  }

  /** The fields that change as the job goes on ({@link #storedState}). */
  private static Job.Builder stateFields(Job.Builder b, JobRecord r) {
    JobOutput o = r.out();
    b.setState(r.state)
        .setDoneReason(r.reason)
        .setWorker(r.worker)
        .setError(o.error)
        .setResult(o.result)
        .setOutputTail(o.outputTail)
        .setStdoutTail(o.stdoutTail)
        .setStderrTail(o.stderrTail)
        .setAttempt(r.attempt);
    if (r.startedAt != null) {
      b.setStartedAt(ts(r.startedAt));
    }
    if (r.finishedAt != null) {
      b.setFinishedAt(ts(r.finishedAt));
    }
    if (o.exitCode != null) {
      b.setExitCode(o.exitCode);
    }
    if (o.progress != null) {
      b.setProgress(o.progress).setProgressMessage(o.progressMessage);
    }
    if (r.attempts != null) {
      b.addAllAttempts(r.attempts);
    }
    if (r.nextAttemptAt != null) {
      b.setNextAttemptAt(ts(r.nextAttemptAt));
    }
    if (r.dependencyOutcomes != null) {
      b.addAllDependencies(Dependencies.outcomes(r, Long.MAX_VALUE));
    }
    return b;
  }

  static Job unknown(String id) {
    return Job.newBuilder().setJobId(id).setState(JobState.JOB_STATE_UNKNOWN).build();
  }

  private static String pendingReason(JobRecord r, Map<String, Integer> workersPerType) {
    String type = r.spec.getType();
    int n = workersPerType.getOrDefault(type, 0);
    if (n == 0) {
      return "no connected worker handles type '" + type + "'"
          + ("exec".equals(type) ? " (agents run exec jobs only when started with --allow-exec)" : "");
    }
    return "waiting for a free slot on " + (n == 1 ? "the worker" : "one of the " + n + " workers")
        + " that handle" + (n == 1 ? "s" : "") + " type '" + type + "'";
  }

  static Worker worker(WorkerRecord w) {
    Worker.Builder b = Worker.newBuilder()
        .setName(w.name)
        .addAllJobTypes(w.types)
        .setSlots(w.slots)
        .setConnectedAt(ts(w.connectedAt))
        .setLastHeartbeatAt(ts(w.link.lastHeardAt() != null
            && w.link.lastHeardAt().isAfter(w.lastHeartbeatAt) ? w.link.lastHeardAt() : w.lastHeartbeatAt))
        .setStuckSlots(w.stuck.size())
        .setDraining(w.draining)
        .setUnsentLeases(w.heldBack.size())
        .putAllLabels(w.labels)
        .setHost(w.host);
    for (LeaseRecord l : w.occupied.values()) {
      if (l.isLive()) {
        b.addRunningJobIds(l.job().id());
      }
    }
    return b.build();
  }

  static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
