package dev.spc.worker.internal;

import com.google.protobuf.ByteString;
import dev.spc.common.Log;
import dev.spc.proto.Chunks;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobResults;
import dev.spc.proto.Lease;
import dev.spc.proto.Outcome;
import dev.spc.proto.SlotStuck;
import dev.spc.proto.StopJob;
import dev.spc.proto.WorkerMessage;
import dev.spc.worker.JobFailedException;
import dev.spc.worker.JobHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The agent's table of running jobs and its unsent results. Agent thread only, except
 * {@link #runOnSlot}, which runs a handler on a slot thread and posts its outcome back.
 *
 * <p>Results are batched: every outcome that arrives while a flush is queued goes out in the same
 * message. While the agent is disconnected they wait, and go out once it has registered again.
 */
public final class AgentState implements SessionJobs {
  private static final Log log = Log.get(AgentState.class);
  private static final int MAX_ERROR_CHARS = 4096;

  private final String worker;
  private final int slots;
  private final Duration stopGrace;
  private final ScheduledExecutorService agentThread;
  private final ExecutorService slotThreads;
  private final Predicate<WorkerMessage> sender;
  private final Runnable onAllStuck;
  private final Map<String, JobHandler> handlers;
  private final Runnable changed;

  private final Map<Long, JobRun> running = new LinkedHashMap<>();
  private final java.util.concurrent.ConcurrentLinkedQueue<Finished> finishedQueue =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean drainScheduled =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final List<JobResult> unsent = new ArrayList<>();
  private static final int MAX_UNCONFIRMED = 100_000;
  private final java.util.ArrayDeque<SentResults> unconfirmed = new java.util.ArrayDeque<>();
  private int unconfirmedCount;
  private long resultSeq;
  private boolean warnedUnconfirmed;
  private final List<dev.spc.proto.JobUpdate> unsentUpdates = new ArrayList<>();
  private boolean connected;
  private boolean flushQueued;
  private int stuck;
  /** For {@link #stats}: outcomes by number, registrations, self-fencings. */
  private final long[] outcomes = new long[8];
  private long connections;
  private long fencings;

  public AgentState(String worker, int slots, Duration stopGrace,
      ScheduledExecutorService agentThread, ExecutorService slotThreads,
      Predicate<WorkerMessage> sender, Runnable onAllStuck) {
    this(worker, slots, stopGrace, agentThread, slotThreads, sender, onAllStuck, Map.of(), () -> { });
  }

  /**
   * {@code handlers} run the leases {@link #start(List, boolean)} is given; {@code changed} is
   * told (on the agent thread) whenever a job ends or results are confirmed.
   */
  public AgentState(String worker, int slots, Duration stopGrace,
      ScheduledExecutorService agentThread, ExecutorService slotThreads,
      Predicate<WorkerMessage> sender, Runnable onAllStuck, Map<String, JobHandler> handlers,
      Runnable changed) {
    this.worker = worker;
    this.slots = slots;
    this.stopGrace = stopGrace;
    this.agentThread = agentThread;
    this.slotThreads = slotThreads;
    this.sender = sender;
    this.onAllStuck = onAllStuck;
    this.handlers = handlers;
    this.changed = changed;
  }

  public int slots() {
    return slots;
  }

  /** Agent thread: the counts {@link dev.spc.worker.WorkerAgent#stats} reports. */
  public dev.spc.worker.AgentStats stats() {
    java.util.Map<String, Long> byOutcome = new java.util.TreeMap<>();
    for (dev.spc.proto.Outcome o : dev.spc.proto.Outcome.values()) {
      if (o != dev.spc.proto.Outcome.UNRECOGNIZED && o.getNumber() > 0 && o.getNumber() < outcomes.length) {
        byOutcome.put(o.name().substring("OUTCOME_".length()).toLowerCase(java.util.Locale.ROOT),
            outcomes[o.getNumber()]);
      }
    }
    return new dev.spc.worker.AgentStats(slots, running.size(), stuck, undeliveredResults(),
        Math.max(0, connections - 1), fencings, byOutcome);
  }

  @Override
  public void start(List<Lease> leases, boolean closing) {
    start(leases, handlers, closing);
  }

  /** Leases this agent is running (stuck ones included). */
  @Override
  public List<Long> heldLeases() {
    return new ArrayList<>(running.keySet());
  }

  @Override
  public List<Long> resultLeases() {
    List<Long> ids = new ArrayList<>(undeliveredResults());
    unconfirmed.forEach(s -> s.results().forEach(r -> ids.add(r.getLeaseId())));
    unsent.forEach(r -> ids.add(r.getLeaseId()));
    return ids;
  }

  @Override
  public void connected(boolean c) {
    connected = c;
    if (c) {
      connections++;
      flushResults();
    } else if (!unconfirmed.isEmpty()) {
      // Not confirmed before the stream ended: maybe never taken. Send them again, first.
      List<JobResult> again = new ArrayList<>(unconfirmedCount + unsent.size());
      for (SentResults s : unconfirmed) {
        again.addAll(s.results());
      }
      again.addAll(unsent);
      unsent.clear();
      unsent.addAll(again);
      unconfirmed.clear();
      unconfirmedCount = 0;
    }
  }

  public void start(List<Lease> leases, Map<String, JobHandler> handlers, boolean closing) {
    for (Lease lease : leases) {
      long id = lease.getLeaseId();
      if (running.containsKey(id)) {
        continue; // a duplicate lease is a no-op
      }
      JobHandler handler = handlers.get(lease.getSpec().getType());
      if (closing) {
        report(result(id, Outcome.OUTCOME_STOPPED, "worker shutting down", null));
      } else if (handler == null) {
        report(result(id, Outcome.OUTCOME_FAILED,
            "worker " + worker + " has no handler for type '" + lease.getSpec().getType() + "'", null));
      } else if (running.size() >= slots) {
        report(result(id, Outcome.OUTCOME_FAILED, "worker " + worker + " has no free slot", null));
      } else {
        JobRun run = new JobRun(lease);
        running.put(id, run);
        log.debug("job started", "job", lease.getJobId(), "lease", id, "type", lease.getSpec().getType(),
            "worker", worker);
        try {
          slotThreads.execute(() -> runOnSlot(run, handler));
        } catch (RejectedExecutionException e) {
          running.remove(id);
        }
      }
    }
  }

  /** Slot thread: runs the handler and posts the outcome to the agent thread. */
  private void runOnSlot(JobRun run, JobHandler handler) {
    run.bindThread(Thread.currentThread());
    JobResult r;
    try {
      handler.handle(run);
      r = run.isCancelled()
          ? result(run, stoppedOutcome(run), run.cancelReason(), null)
          : result(run, Outcome.OUTCOME_SUCCEEDED, "", run.result());
    } catch (Throwable t) {
      r = run.isCancelled()
          ? result(run, stoppedOutcome(run), run.cancelReason(), null)
          : result(run, Outcome.OUTCOME_FAILED, describe(t), run.result());
      if (t instanceof JobFailedException f && !f.retryable()) {
        r = r.toBuilder().setNonRetryable(true).build();
      }
      if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
        log.error("job exhausted the JVM", vme, "job", run.jobId());
      }
    } finally {
      run.bindThread(null);
      Thread.interrupted(); // leave the pooled thread clean for the next job
    }
    // Outcomes queue up here; the agent thread is woken once for however many arrive meanwhile.
    finishedQueue.add(new Finished(run, r));
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        agentThread.execute(this::drainFinished);
      } catch (RejectedExecutionException e) {
        // agent is gone
      }
    }
  }

  private record Finished(JobRun run, JobResult result) {}

  private void drainFinished() {
    drainScheduled.set(false);
    for (Finished f; (f = finishedQueue.poll()) != null; ) {
      finished(f.run(), f.result());
    }
  }

  private void finished(JobRun run, JobResult r) {
    if (running.remove(run.leaseId()) == null) {
      return;
    }
    dev.spc.proto.JobUpdate last = run.takeUpdate(); // its last lines go before its outcome
    if (last != null) {
      unsentUpdates.add(last);
    }
    if (run.stuck) {
      stuck--;
      log.info("stuck job finally ended; slot free again", "job", run.jobId(), "lease", run.leaseId(),
          "worker", worker);
    }
    log.debug("job finished", "job", run.jobId(), "lease", run.leaseId(), "outcome", r.getOutcome(),
        "worker", worker);
    outcomes[Math.min(r.getOutcomeValue(), outcomes.length - 1)]++;
    report(r);
    changed.run();
  }

  @Override
  public void stop(List<StopJob> stops) {
    for (StopJob s : stops) {
      JobRun run = running.get(s.getLeaseId());
      if (run != null) {
        stop(run, s.getReason());
      }
    }
  }

  /** Signals to running jobs; one for a lease no longer running is dropped (at most once). */
  @Override
  public void signal(List<dev.spc.proto.JobSignal> signals) {
    for (dev.spc.proto.JobSignal s : signals) {
      JobRun run = running.get(s.getLeaseId());
      if (run == null || run.stopRequestedNanos != 0) {
        log.debug("signal for a job not running here dropped", "lease", s.getLeaseId(), "worker", worker);
        continue;
      }
      log.info("job signalled", "job", run.jobId(), "signal", s.getSignal(), "worker", worker);
      run.signal(new dev.spc.worker.Signal(s.getSignal(), s.getPayload().toByteArray()));
    }
  }

  @Override
  public void stopAll(String reason) {
    for (JobRun run : running.values()) {
      stop(run, reason);
    }
  }

  /** Stops every job because the coordinator is out of reach: they end CRASHED, not CANCELLED. */
  @Override
  public void fenceAll(String reason) {
    fencings += running.isEmpty() ? 0 : 1;
    for (JobRun run : running.values()) {
      run.fenced = true;
      stop(run, reason);
    }
  }

  /**
   * Stops every job that has run past its lease's max_seconds, counted from its start here. The
   * coordinator judges the same deadline, but it may be unreachable, restarting or frozen: the
   * run time allowed holds all the same. Such a job ends {@code OUTCOME_TIMED_OUT}. Agent
   * thread, periodically.
   */
  public void enforceDeadlines() {
    if (running.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    for (JobRun run : running.values()) {
      if (run.stopRequestedNanos == 0 && now - run.deadlineNanos >= 0) {
        run.timedOut = true;
        log.info("job ran past max_seconds; stopping it", "job", run.jobId(), "lease", run.leaseId(),
            "max_seconds", run.lease().getMaxSeconds(), "worker", worker);
        stop(run, "exceeded max_seconds=" + run.lease().getMaxSeconds());
      }
    }
  }

  private static Outcome stoppedOutcome(JobRun run) {
    return run.fenced ? Outcome.OUTCOME_FENCED
        : run.timedOut ? Outcome.OUTCOME_TIMED_OUT : Outcome.OUTCOME_STOPPED;
  }

  private void stop(JobRun run, String reason) {
    if (run.stopRequestedNanos != 0) {
      return;
    }
    run.stopRequestedNanos = System.nanoTime();
    log.debug("stopping job", "job", run.jobId(), "lease", run.leaseId(), "reason", reason,
        "worker", worker);
    run.requestStop(reason);
    try {
      var unused = agentThread.schedule(() -> checkStopped(run), stopGrace.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // agent is gone
    }
  }

  /** Rule 13 (docs/rules.md): a job still running after the grace cannot be killed inside the JVM. */
  private void checkStopped(JobRun run) {
    if (running.get(run.leaseId()) != run || run.stuck) {
      return;
    }
    Runnable force = run.forceStop();
    if (force != null && !run.forced) {
      // A process: SIGKILL to its group, then a last second for the handler to see it end.
      run.forced = true;
      log.info("job ignored the stop request; killing its process group", "job", run.jobId(),
          "lease", run.leaseId(), "worker", worker);
      force.run();
      var unused = agentThread.schedule(() -> checkStopped(run), 1, TimeUnit.SECONDS);
      return;
    }
    run.stuck = true;
    stuck++;
    String detail = "job " + run.jobId() + " ignored the stop request for "
        + stopGrace.toMillis() + "ms; its slot is stuck";
    log.warn("slot stuck", "job", run.jobId(), "lease", run.leaseId(), "stuck_slots", stuck,
        "slots", slots, "worker", worker);
    // Not sent while cut off: the agent reports its stuck leases' ids with every heartbeat.
    boolean unused = sender.test(WorkerMessage.newBuilder().setStuck(
        SlotStuck.newBuilder().setLeaseId(run.leaseId()).setDetail(detail)).build());
    if (stuck >= slots) {
      onAllStuck.run();
    }
  }

  private void report(JobResult r) {
    unsent.add(r);
    if (!flushQueued) {
      flushQueued = true;
      try {
        agentThread.execute(this::flushResults); // after whatever else is queued: one message
      } catch (RejectedExecutionException e) {
        flushQueued = false;
      }
    }
  }

  /** Sends the progress and log lines of running jobs (every 200 ms, agent thread). */
  public void flushUpdates() {
    for (JobRun run : running.values()) {
      dev.spc.proto.JobUpdate u = run.takeUpdate();
      if (u != null) {
        unsentUpdates.add(u);
      }
    }
    sendUpdates();
  }

  private void sendUpdates() {
    if (unsentUpdates.isEmpty()) {
      return;
    }
    int sent = 0;
    if (connected) {
      for (List<dev.spc.proto.JobUpdate> chunk : Chunks.of(unsentUpdates)) {
        if (!sender.test(WorkerMessage.newBuilder().setUpdates(
            dev.spc.proto.JobUpdates.newBuilder().addAllUpdates(chunk)).build())) {
          break;
        }
        sent += chunk.size();
      }
      unsentUpdates.subList(0, sent).clear();
    }
    if (unsentUpdates.size() > 10_000) {
      unsentUpdates.subList(0, unsentUpdates.size() - 10_000).clear(); // away too long: keep the newest
    }
  }

  @Override
  public void flushResults() {
    flushQueued = false;
    sendUpdates();
    if (unsent.isEmpty() || !connected) {
      return;
    }
    // In messages the coordinator accepts: a batch of large results would be refused whole.
    int sent = 0;
    for (List<JobResult> chunk : Chunks.of(unsent)) {
      long seq = resultSeq + 1;
      if (!sender.test(WorkerMessage.newBuilder()
          .setResults(JobResults.newBuilder().addAllResults(chunk).setSeq(seq)).build())) {
        break;
      }
      resultSeq = seq;
      retain(seq, chunk);
      sent += chunk.size();
    }
    unsent.subList(0, sent).clear();
  }

  /**
   * Keeps sent results until the coordinator confirms them: if the stream breaks first (the
   * coordinator crashed before they were durable), they go again on the next stream. Bounded, for
   * a coordinator that never confirms.
   */
  private void retain(long seq, List<JobResult> results) {
    unconfirmed.addLast(new SentResults(seq, List.copyOf(results)));
    unconfirmedCount += results.size();
    while (unconfirmedCount > MAX_UNCONFIRMED && unconfirmed.size() > 1) {
      unconfirmedCount -= unconfirmed.pollFirst().results().size();
      if (!warnedUnconfirmed) {
        warnedUnconfirmed = true;
        log.warn("coordinator does not confirm results; keeping only the newest",
            "worker", worker, "kept", MAX_UNCONFIRMED);
      }
    }
  }

  /** The coordinator has durably taken every results message up to {@code upToSeq}. */
  @Override
  public void resultsTaken(long upToSeq) {
    while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().seq() <= upToSeq) {
      unconfirmedCount -= unconfirmed.pollFirst().results().size();
    }
  }

  /** Results sent and not yet confirmed (for tests and diagnostics). */
  public int unconfirmedResults() {
    return unconfirmedCount;
  }

  /** Results the coordinator has not confirmed it stored: not sent yet, or sent and unconfirmed. */
  @Override
  public int undeliveredResults() {
    return unsent.size() + unconfirmedCount;
  }

  private record SentResults(long seq, List<JobResult> results) {}

  /** The outcome of a run, with its process's exit code and output tail when it had a process. */
  private static JobResult result(JobRun run, Outcome outcome, @Nullable String error,
      byte @Nullable [] result) {
    JobResult.Builder b = builder(run.leaseId(), outcome, error, result);
    if (run.exitCode() != null) {
      b.setExitCode(run.exitCode());
    }
    if (run.outputTail() != null) {
      b.setOutputTail(ByteString.copyFrom(run.outputTail()));
    }
    if (run.stdoutTail() != null) {
      b.setStdoutTail(ByteString.copyFrom(run.stdoutTail()));
    }
    if (run.stderrTail() != null) {
      b.setStderrTail(ByteString.copyFrom(run.stderrTail()));
    }
    return b.build();
  }

  /** The outcome of a lease this agent did not run. */
  private static JobResult result(long leaseId, Outcome outcome, @Nullable String error,
      byte @Nullable [] result) {
    return builder(leaseId, outcome, error, result).build();
  }

  private static JobResult.Builder builder(long leaseId, Outcome outcome, @Nullable String error,
      byte @Nullable [] result) {
    JobResult.Builder b = JobResult.newBuilder().setLeaseId(leaseId).setOutcome(outcome);
    if (error != null) {
      b.setError(error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) : error);
    }
    if (result != null) {
      b.setResult(ByteString.copyFrom(result));
    }
    return b;
  }

  static String describe(Throwable t) {
    if (t instanceof JobFailedException && t.getMessage() != null) {
      return t.getMessage();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
