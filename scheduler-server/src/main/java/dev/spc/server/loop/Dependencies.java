package dev.spc.server.loop;

import dev.spc.proto.DependencyFailure;
import dev.spc.proto.DependencyOutcome;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Jobs that wait for others ({@code depends_on}): BLOCKED until every dependency is done. With
 * {@code DEPENDENCY_FAILURE_CANCEL} (a link) a dependency that ends other than DONE cancels the
 * job, and that cancels its own dependents in turn, down the graph in the same step; with
 * {@code DEPENDENCY_FAILURE_RUN} (a monitor) the job runs whatever the outcomes. The outcomes are
 * kept with the dependent (stored with it, handed to its worker with the lease).
 */
final class Dependencies {
  /** The most jobs one job may depend on (depends_on and depends_on_index together). */
  static final int MAX = 100;
  private static final int MAX_DETAIL = 200;

  private final JobTable jobs;
  private final BiConsumer<JobRecord, String> cancel;
  /** Jobs done whose dependents are still to be told (a cancel down the graph adds to it). */
  private final ArrayDeque<JobRecord> toTell = new ArrayDeque<>();
  private boolean telling;

  Dependencies(JobTable jobs, BiConsumer<JobRecord, String> cancel) {
    this.jobs = jobs;
    this.cancel = cancel;
  }

  /**
   * The jobs {@code spec} (the {@code index}-th of its batch) depends on: its {@code depends_on}
   * ids, then the jobs of its {@code depends_on_index}, without repeats; or the problem, prefixed
   * by {@code field}.
   */
  static Object resolve(String field, JobSpec spec, int index, JobTable jobs, List<String> batchIds) {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    for (int k = 0; k < spec.getDependsOnCount(); k++) {
      String id = spec.getDependsOn(k);
      Long seq = jobs.ids().parse(id);
      if (seq == null) {
        return field + ".depends_on[" + k + "]: " + JobIds.malformed("job_id", id);
      }
      if (jobs.get(seq) == null) {
        return field + ".depends_on[" + k + "] '" + SpecValidator.shorten(id) + "' is unknown (never"
            + " issued, or forgotten after the retention period)";
      }
      ids.add(id);
    }
    for (int k = 0; k < spec.getDependsOnIndexCount(); k++) {
      int at = spec.getDependsOnIndex(k);
      if (at < 0 || at >= index) {
        return field + ".depends_on_index[" + k + "] must name an earlier job of the batch (0 to "
            + (index - 1) + "), got " + at;
      }
      ids.add(batchIds.get(at));
    }
    return new ArrayList<>(ids);
  }

  /** The checks of a spec alone (no table): how many dependencies, and the policy. */
  static @Nullable String check(String field, JobSpec spec) {
    int n = spec.getDependsOnCount() + spec.getDependsOnIndexCount();
    if (n > MAX) {
      return field + " has " + n + " dependencies (depends_on and depends_on_index), limit " + MAX;
    }
    if (spec.getOnDependencyFailure() == DependencyFailure.UNRECOGNIZED) {
      return field + ".on_dependency_failure is not a known DependencyFailure: "
          + spec.getOnDependencyFailureValue();
    }
    return null;
  }

  /**
   * A new BLOCKED job and its dependencies (the ids of its spec's {@code depends_on}, resolved):
   * those done count at once; it waits for the others.
   */
  void attach(JobRecord job) {
    List<String> ids = job.spec.getDependsOnList();
    job.dependencyOutcomes = new DependencyOutcome[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      JobRecord dep = jobs.get(java.util.Objects.requireNonNull(jobs.ids().parse(ids.get(i))));
      link(job, i, dep, ids.get(i));
    }
    settle(job);
  }

  private void link(JobRecord job, int i, @Nullable JobRecord dep, String id) {
    DependencyOutcome[] outcomes = java.util.Objects.requireNonNull(job.dependencyOutcomes);
    if (dep == null) {
      outcomes[i] = DependencyOutcome.newBuilder().setJobId(id).setState(JobState.JOB_STATE_UNKNOWN).build();
    } else if (dep.isDone()) {
      outcomes[i] = outcome(dep);
    } else {
      if (dep.dependents == null) {
        dep.dependents = new ArrayList<>(2);
      }
      dep.dependents.add(job);
      job.blockedOn++;
    }
  }

  /** A job is done: its dependents hear of it (and theirs, if it cancels them), in this step. */
  void done(JobRecord job) {
    if (job.dependents == null) {
      return;
    }
    toTell.add(job);
    if (telling) {
      return;
    }
    telling = true;
    try {
      JobRecord next;
      while ((next = toTell.poll()) != null) {
        List<JobRecord> dependents = java.util.Objects.requireNonNull(next.dependents);
        next.dependents = null;
        for (JobRecord d : dependents) {
          if (d.state != JobState.JOB_STATE_BLOCKED || d.dependencyOutcomes == null) {
            continue;
          }
          int i = d.spec.getDependsOnList().indexOf(next.id());
          d.dependencyOutcomes[i] = outcome(next);
          d.blockedOn--;
          settle(d);
        }
      }
    } finally {
      telling = false;
    }
  }

  /** A blocked job whose outcomes so far cancel it ends; one with all it needs runs. */
  private void settle(JobRecord job) {
    if (job.state != JobState.JOB_STATE_BLOCKED || job.dependencyOutcomes == null) {
      return;
    }
    if (job.spec.getOnDependencyFailure() != DependencyFailure.DEPENDENCY_FAILURE_RUN) {
      for (DependencyOutcome o : job.dependencyOutcomes) {
        if (o != null && o.getDoneReason() != DoneReason.DONE_REASON_DONE) {
          cancel.accept(job, "cancelled: dependency " + o.getJobId() + " ended " + ended(o));
          return;
        }
      }
    }
    if (job.blockedOn == 0) {
      jobs.unblock(job);
    }
  }

  private static String ended(DependencyOutcome o) {
    if (o.getState() == JobState.JOB_STATE_UNKNOWN) {
      return "UNKNOWN (forgotten)";
    }
    String reason = o.getDoneReason().name().substring("DONE_REASON_".length());
    String error = o.getError().length() > MAX_DETAIL ? o.getError().substring(0, MAX_DETAIL) + "..." : o.getError();
    return error.isEmpty() ? reason : reason + " (" + error + ")";
  }

  /** Results handed to a worker with a lease, in all, and shown in a Job, in all. */
  static final int LEASE_RESULT_BYTES = 4 << 20;
  static final int VIEW_RESULT_BYTES = 1 << 20;

  /**
   * The outcomes known so far (for each dependency not done, only its id), with results up to
   * {@code budget} bytes in all; those past it say {@code result_left_out}.
   */
  static List<DependencyOutcome> outcomes(JobRecord job, long budget) {
    DependencyOutcome[] all = java.util.Objects.requireNonNull(job.dependencyOutcomes);
    List<DependencyOutcome> out = new ArrayList<>(all.length);
    long left = budget;
    for (int i = 0; i < all.length; i++) {
      DependencyOutcome o = all[i];
      if (o == null) {
        out.add(DependencyOutcome.newBuilder().setJobId(job.spec.getDependsOn(i)).build());
      } else if (o.getResult().size() <= left) {
        left -= o.getResult().size();
        out.add(o);
      } else {
        out.add(o.toBuilder().clearResult().setResultLeftOut(true).build());
      }
    }
    return out;
  }

  static DependencyOutcome outcome(JobRecord dep) {
    DependencyOutcome.Builder b = DependencyOutcome.newBuilder().setJobId(dep.id())
        .setState(JobState.JOB_STATE_DONE).setDoneReason(dep.reason).setError(dep.out().error)
        .setResult(dep.out().result);
    if (dep.out().exitCode != null) {
      b.setExitCode(dep.out().exitCode);
    }
    return b.build();
  }

  /** Why a blocked job waits, naming what it waits for. */
  static String waitingFor(JobRecord job) {
    DependencyOutcome[] outcomes = job.dependencyOutcomes;
    if (outcomes == null) {
      return "";
    }
    List<String> open = new ArrayList<>();
    for (int i = 0; i < outcomes.length; i++) {
      if (outcomes[i] == null) {
        open.add(job.spec.getDependsOn(i));
      }
    }
    int shown = Math.min(open.size(), 5);
    return "waiting for " + open.size() + " of " + outcomes.length + " dependencies: "
        + String.join(", ", open.subList(0, shown)) + (open.size() > shown ? ", ..." : "");
  }

  // ------------------------------------------------------------------ recovery

  /** A stored job's outcomes of its dependencies (those done when it was stored). */
  static void restore(JobRecord job, List<DependencyOutcome> stored) {
    if (job.spec.getDependsOnCount() == 0) {
      return;
    }
    job.dependencyOutcomes = new DependencyOutcome[job.spec.getDependsOnCount()];
    for (DependencyOutcome o : stored) {
      int i = job.spec.getDependsOnList().indexOf(o.getJobId());
      if (i >= 0 && o.getState() != JobState.JOB_STATE_UNSPECIFIED) {
        job.dependencyOutcomes[i] = o;
      }
    }
  }

  /** After recovery: the blocked jobs wait for their dependencies again (or settle now). */
  void relink(List<JobRecord> blocked) {
    for (JobRecord job : blocked) {
      DependencyOutcome[] outcomes = java.util.Objects.requireNonNull(job.dependencyOutcomes);
      job.blockedOn = 0;
      for (int i = 0; i < outcomes.length; i++) {
        if (outcomes[i] == null) {
          String id = job.spec.getDependsOn(i);
          Long seq = jobs.ids().parse(id);
          link(job, i, seq == null ? null : jobs.get(seq), id);
        }
      }
    }
    for (JobRecord job : blocked) {
      settle(job);
    }
  }
}
