package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobResult;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Rules 8 and 12 for what agents report: the outcome of a job under a live lease is taken (after
 * its deadline it is TIMEOUT whatever it says); a report about any other lease frees its slot and
 * is otherwise ignored. Results are confirmed to the agent once stored.
 */
final class ResultIntake {
  private static final Log log = Log.get(ResultIntake.class);

  private final Clock clock;
  private final JobTable jobs;
  private final WorkerRegistry workers;
  private final LeaseTable leases;
  private final WorkerOutbox outbox;
  private final Recovery recovery;

  ResultIntake(Clock clock, JobTable jobs, WorkerRegistry workers, LeaseTable leases,
      WorkerOutbox outbox, Recovery recovery) {
    this.clock = clock;
    this.jobs = jobs;
    this.workers = workers;
    this.leases = leases;
    this.outbox = outbox;
    this.recovery = recovery;
  }

  void results(WorkerLink link, List<JobResult> results, long seq) {
    WorkerRecord w = workers.byLink(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    outbox.confirmResults(w, seq);
    List<Long> stale = null;
    for (JobResult r : results) {
      LeaseRecord lease = w.occupied.get(r.getLeaseId());
      boolean adopted = false;
      if (lease == null && recovery.adopt(w, r.getLeaseId())) {
        lease = w.occupied.get(r.getLeaseId()); // it finished while we were away
        adopted = true;
      }
      if (lease == null) {
        // A zombie's late report, or a result sent again after a lost confirmation.
        stale = addTo(stale, r.getLeaseId());
        continue;
      }
      leases.release(lease);
      w.stuck.remove(lease.id);
      workers.offer(w);
      switch (lease.state()) {
        case FOREIGN -> stale = addTo(stale, lease.id);
        case STOPPING -> stopped(w, lease, r);
        case LIVE -> outcome(lease, r, adopted);
      }
    }
    if (stale != null) {
      log.info("ignored results for stale leases", "worker", w.name, "count", stale.size(),
          "leases", stale.subList(0, Math.min(5, stale.size())).stream().map(String::valueOf)
              .collect(Collectors.joining(",")) + (stale.size() > 5 ? ",..." : ""));
    }
  }

  /** A job stopped at the coordinator's word (cancel, timeout): its outcome is decided already. */
  private void stopped(WorkerRecord w, LeaseRecord lease, JobResult r) {
    log.debug("stopped job confirmed", "worker", w.name, "lease", lease.id);
    if (lease.job().lease == lease && (r.hasExitCode() || !r.getOutputTail().isEmpty())) {
      // The process's last words still belong to the job's detail.
      JobRecord job = lease.job();
      Integer exitCode = r.hasExitCode() ? Integer.valueOf(r.getExitCode()) : job.out().exitCode;
      job.process(exitCode, r.getOutputTail(), r.getStdoutTail(), r.getStderrTail());
      jobs.touched(job);
    }
  }

  private void outcome(LeaseRecord lease, JobResult r, boolean adopted) {
    leases.stop(lease);
    JobRecord job = lease.job();
    job.process(r.hasExitCode() ? r.getExitCode() : null, r.getOutputTail(), r.getStdoutTail(),
        r.getStderrTail());
    if (clock.nanos() - lease.deadlineNanos >= 0) {
      // Reported after its deadline (we were frozen, or away and it was re-adopted late): it
      // ran past max_seconds whatever it says; the deadline is judged before the outcome.
      jobs.finish(job, DoneReason.DONE_REASON_TIMEOUT, Coordinator.timedOut(lease.maxSeconds), null);
      return;
    }
    switch (r.getOutcome()) {
      case OUTCOME_SUCCEEDED -> {
        job.result(r.getResult());
        jobs.finish(job, DoneReason.DONE_REASON_DONE, "", null);
      }
      case OUTCOME_TIMED_OUT ->
          // The agent enforced the deadline itself (it counts from the start on the agent).
          jobs.finish(job, DoneReason.DONE_REASON_TIMEOUT, Coordinator.timedOut(lease.maxSeconds), null);
      case OUTCOME_FENCED -> jobs.finish(job, DoneReason.DONE_REASON_CRASHED,
          r.getError().isEmpty() ? "worker lost the coordinator" : r.getError(), null);
      // Stopped while we were away: the agent fenced itself off, nobody cancelled it.
      case OUTCOME_STOPPED -> jobs.finish(job,
          adopted ? DoneReason.DONE_REASON_CRASHED : DoneReason.DONE_REASON_CANCELLED,
          r.getError().isEmpty() ? "stopped by worker" : r.getError(), null);
      case OUTCOME_FAILED, OUTCOME_UNSPECIFIED, UNRECOGNIZED -> {
        job.result(r.getResult());
        jobs.finish(job, DoneReason.DONE_REASON_CRASHED,
            r.getError().isEmpty() ? "failed" : r.getError(), null, !r.getNonRetryable());
      }
    }
  }

  private static List<Long> addTo(@Nullable List<Long> list, long id) {
    List<Long> l = list == null ? new ArrayList<>() : list;
    l.add(id);
    return l;
  }
}
