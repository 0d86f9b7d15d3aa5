package dev.spc.server.loop;

import dev.spc.proto.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Rules 5 and 6: callers blocked until one of their jobs is done. */
final class Waiters {
  static final int MAX_WAIT_IDS = 10_000;

  private final Map<Long, Waiter> waiters = new HashMap<>();
  private final JobTable jobs;
  private final WorkerRegistry workers;

  Waiters(JobTable jobs, WorkerRegistry workers) {
    this.jobs = jobs;
    this.workers = workers;
  }

  /** Answers at once if one of the jobs is done; otherwise when the first of them is. */
  void wait(long waiterId, List<String> jobIds, boolean any, boolean shuttingDown, Reply<Job> reply) {
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
      Long seq = jobs.ids().parse(jobIds.get(i));
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
        reply.ok(Views.job(job, workers.perType()));
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

  void abandon(long waiterId) {
    Waiter w = waiters.remove(waiterId);
    if (w != null) {
      for (JobRecord job : w.jobs) {
        if (job.waiters != null) {
          job.waiters.remove(w);
        }
      }
    }
  }

  /** The job is done: everyone waiting for it is answered. */
  void release(JobRecord job) {
    List<Waiter> ws = job.waiters;
    if (ws == null) {
      return;
    }
    job.waiters = null;
    Job view = Views.job(job, workers.perType());
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

  /** Shutting down: every wait is answered UNAVAILABLE (clients wait again after the restart). */
  void failAll(Failure f) {
    for (Waiter w : List.copyOf(waiters.values())) {
      abandon(w.id);
      w.reply.fail(f);
    }
  }

  int count() {
    return waiters.size();
  }
}
