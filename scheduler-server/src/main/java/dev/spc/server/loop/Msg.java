package dev.spc.server.loop;

import dev.spc.proto.CancelJobResponse;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.Job;
import dev.spc.proto.JobResults;
import dev.spc.proto.JobSpec;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import dev.spc.proto.ListWorkersResponse;
import dev.spc.proto.Register;
import dev.spc.proto.SlotStuck;
import dev.spc.proto.StopWorkerResponse;
import java.util.List;

/** Everything the event loop is told. Other threads only ever construct these and post them. */
public sealed interface Msg {
  /** A message that carries a reply, answered with INTERNAL if its handler throws. */
  sealed interface Request extends Msg {
    Reply<?> reply();
  }

  /** One spec ({@code batch == false}) or a batch, all or nothing. */
  record Submit(List<JobSpec> specs, boolean batch, String batchKey, Reply<List<String>> reply)
      implements Request {
    public Submit(List<JobSpec> specs, boolean batch, Reply<List<String>> reply) {
      this(specs, batch, "", reply);
    }
  }

  /**
   * Jobs submitted each on its own, as that many single submits: the reply holds one outcome
   * per spec, in order.
   */
  record SubmitEach(List<JobSpec> specs, Reply<List<Outcome>> reply) implements Request {}

  /** What became of one job of a {@link SubmitEach}: its id, or why it was refused. */
  record Outcome(String jobId, @org.jspecify.annotations.Nullable Failure failure) {}

  record GetJob(String jobId, Reply<Job> reply) implements Request {}

  record Cancel(String jobId, Reply<CancelJobResponse> reply) implements Request {}

  /** Cancel every job not done that matches the selector; answers how many. */
  record CancelJobs(dev.spc.proto.JobSelector selector, Reply<Long> reply) implements Request {}

  /** A signal to a running job; {@code mayExec}: the caller may signal exec jobs. */
  record SignalJob(dev.spc.proto.SignalJobRequest request, boolean mayExec,
      Reply<dev.spc.proto.SignalJobResponse> reply) implements Request {}

  /** How many jobs with a concurrency key may run at once. */
  record SetConcurrencyLimit(String key, int limit, Reply<dev.spc.proto.ConcurrencyLimit> reply)
      implements Request {}

  /** A rate limit on starting jobs of a type. */
  record SetRateLimit(dev.spc.proto.SetRateLimitRequest request, Reply<dev.spc.proto.RateLimit> reply)
      implements Request {}

  /** The concurrency and rate limits in force. */
  record ListLimits(Reply<dev.spc.proto.ListLimitsResponse> reply) implements Request {}

  /** Hold back jobs below {@code level}; {@code interrupt}: cancel the running ones below it. */
  record SetAccessLevel(int level, boolean interrupt,
      Reply<dev.spc.proto.SetAccessLevelResponse> reply) implements Request {}

  /** A new job with a done job's spec; {@code mayExec}: the caller may create exec jobs. */
  record Rerun(String jobId, boolean mayExec, Reply<String> reply) implements Request {}

  /** Wait for one job ({@code any == false}, one id) or the first of several. */
  record Wait(long waiterId, List<String> jobIds, boolean any, Reply<Job> reply) implements Request {}

  /** The caller of a wait went away (deadline, cancellation): forget its waiter. */
  record WaitAbandoned(long waiterId) implements Msg {}

  /** Watch a job's events; {@code follow == false} sends what is retained and ends. */
  record Watch(long watcherId, String jobId, boolean follow, WatchSink sink) implements Msg {}

  /** The watcher went away. */
  record UnwatchJob(long watcherId) implements Msg {}

  /** A watcher's transport can take more. */
  record WatchReady(WatchSink sink) implements Msg {}

  /** Progress and log lines from an agent. */
  record WorkerUpdates(WorkerLink link, dev.spc.proto.JobUpdates updates) implements Msg {}

  record ListJobs(ListJobsRequest request, Reply<ListJobsResponse> reply) implements Request {}

  record ListWorkers(Reply<ListWorkersResponse> reply) implements Request {}

  /** Create ({@code update == false}) or replace a schedule; {@code mayExec} as for Rerun. */
  record PutSchedule(dev.spc.proto.Schedule schedule, boolean update, boolean mayExec,
      Reply<dev.spc.proto.Schedule> reply) implements Request {}

  record GetSchedule(String scheduleId, Reply<dev.spc.proto.Schedule> reply) implements Request {}

  record ListSchedules(dev.spc.proto.ListSchedulesRequest request,
      Reply<dev.spc.proto.ListSchedulesResponse> reply) implements Request {}

  record DeleteSchedule(String scheduleId, Reply<Boolean> reply) implements Request {}

  /** Pause ({@code pause == true}) or resume. */
  record PauseSchedule(String scheduleId, boolean pause, Reply<dev.spc.proto.Schedule> reply)
      implements Request {}

  /** Make the schedule's job now; answers its id. */
  record TriggerSchedule(String scheduleId, boolean mayExec, Reply<String> reply) implements Request {}

  record StopWorker(String name, boolean drain, Reply<StopWorkerResponse> reply) implements Request {}

  /** A worker's stream can take more again: send what was held back. */
  record WorkerReady(WorkerLink link) implements Msg {}

  /** The agent takes no new jobs from now on. */
  record WorkerDraining(WorkerLink link) implements Msg {}

  record GetStats(Reply<dev.spc.proto.Stats> reply) implements Request {}

  /** The gauges a metrics scrape reads. */
  record GetSnapshot(Reply<LoopSnapshot> reply) implements Request {}

  record WorkerRegister(WorkerLink link, Register register) implements Msg {}

  record WorkerHeartbeat(WorkerLink link, Heartbeat heartbeat) implements Msg {}

  record WorkerResults(WorkerLink link, JobResults results) implements Msg {}

  record WorkerStuck(WorkerLink link, SlotStuck stuck) implements Msg {}

  /** The agent broke the protocol on its stream; end the stream with INVALID_ARGUMENT. */
  record WorkerProtocolError(WorkerLink link, String detail) implements Msg {}

  /** The stream ended or broke. */
  record WorkerGone(WorkerLink link, String cause) implements Msg {}

  /** Every batch up to this one is on stable storage. */
  record Committed(long upToBatch) implements Msg {}

  /** Batches up to this one could not be stored (yet): the store retries them. */
  record CommitFailed(long upToBatch, String error) implements Msg {}

  /** Time passed: expire deadlines, check heartbeats. */
  record Tick() implements Msg {}

  /** Stop accepting work: refuse submits, release waiters, tell agents. */
  record Shutdown(Reply<Boolean> reply) implements Request {}
}
