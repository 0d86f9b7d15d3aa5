package dev.spc.server.loop;

import dev.spc.proto.JobEvent;
import dev.spc.proto.JobUpdate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Job events (state, progress, log lines) and the watchers that follow them. A job's events are
 * kept in its {@link JobLog} (bounded; fewer once it is done); a watch first gets the job's state
 * and what is kept, then each new event, and ends once the job is done.
 */
final class Watches {
  static final int DONE_LOG_EVENTS = 100;
  static final int MAX_PROGRESS_MESSAGE = 1024;

  private final Map<Long, JobRecord> watched = new HashMap<>();
  private final Clock clock;
  private final Durability commits;
  private final WorkerRegistry workers;
  private final JobTable jobs;

  Watches(Clock clock, Durability commits, WorkerRegistry workers, JobTable jobs) {
    this.clock = clock;
    this.commits = commits;
    this.workers = workers;
    this.jobs = jobs;
  }

  void watch(long watcherId, String jobId, boolean follow, WatchSink sink) {
    Long seq = jobs.ids().parse(jobId);
    if (seq == null) {
      sink.end(Failure.invalid(JobIds.malformed("job_id", jobId)));
      return;
    }
    JobRecord job = jobs.get(seq);
    if (job == null) {
      sink.end(Failure.notFound("job '" + jobId + "' not found"));
      return;
    }
    // The first snapshot, like every read, waits behind unstored changes.
    commits.later(() -> {
      sink.offer(stateEvent(job));
      if (job.log != null) {
        job.log.events.forEach(sink::offer);
      }
      if (!follow || job.isDone() || !jobs.contains(job)) {
        sink.end(null);
      } else {
        log(job).watchers.add(new JobLog.Watch(watcherId, sink));
        watched.put(watcherId, job);
      }
    });
  }

  void unwatch(long watcherId) {
    JobRecord job = watched.remove(watcherId);
    if (job != null && job.log != null) {
      job.log.watchers.removeIf(w -> w.id() == watcherId);
    }
  }

  /** Tells the job's watchers its new state (once stored); a done job's watches end. */
  void stateChanged(JobRecord job) {
    if (job.log == null) {
      return;
    }
    if (job.isDone()) {
      while (job.log.events.size() > DONE_LOG_EVENTS) {
        job.log.events.pollFirst();
      }
    }
    if (job.log.watchers.isEmpty()) {
      return;
    }
    JobEvent e = stateEvent(job);
    boolean done = job.isDone();
    commits.later(() -> {
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
    });
  }

  /** Progress and log lines an agent sent for jobs it runs under live leases. */
  void updates(WorkerRecord w, List<JobUpdate> updates) {
    com.google.protobuf.Timestamp at = Views.ts(clock.now());
    for (JobUpdate u : updates) {
      LeaseRecord lease = w.occupied.get(u.getLeaseId());
      if (lease == null || !lease.isLive()) {
        continue;
      }
      JobRecord job = lease.job();
      JobLog jl = log(job);
      if (u.hasProgress()) {
        double fraction = Math.max(0.0, Math.min(1.0, u.getProgress()));
        String message = u.getProgressMessage().length() > MAX_PROGRESS_MESSAGE
            ? u.getProgressMessage().substring(0, MAX_PROGRESS_MESSAGE) : u.getProgressMessage();
        job.progress(fraction, message);
        jl.add(JobEvent.newBuilder().setAt(at).setProgress(dev.spc.proto.Progress.newBuilder()
            .setFraction(fraction).setMessage(message)).build());
      }
      for (String line : u.getLogLinesList()) {
        jl.add(JobEvent.newBuilder().setAt(at).setLogLine(line).build());
      }
      for (String line : u.getStdoutLinesList()) {
        jl.add(JobEvent.newBuilder().setAt(at).setLogLine(line).setStream("stdout").build());
      }
      for (String line : u.getStderrLinesList()) {
        jl.add(JobEvent.newBuilder().setAt(at).setLogLine(line).setStream("stderr").build());
      }
      if (u.getDroppedLines() > 0) {
        jl.add(JobEvent.newBuilder().setAt(at).setLogLine("[spc: " + u.getDroppedLines()
            + " lines dropped by the agent's rate limit]").build());
      }
    }
  }

  private JobEvent stateEvent(JobRecord job) {
    return JobEvent.newBuilder().setAt(Views.ts(clock.now()))
        .setState(Views.job(job, workers.perType())).build();
  }

  private static JobLog log(JobRecord job) {
    if (job.log == null) {
      job.log = new JobLog();
    }
    return job.log;
  }
}
