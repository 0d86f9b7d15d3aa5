package dev.spc.worker.internal;

import dev.spc.common.Backoff;
import dev.spc.common.Durations;
import dev.spc.common.Log;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.Register;
import dev.spc.proto.Registered;
import dev.spc.proto.WorkerMessage;
import dev.spc.worker.AgentExit;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The agent's session with the coordinator, as a state machine on the agent thread: it dials,
 * registers, heartbeats, reconnects with backoff, stops its jobs itself when cut off for too long
 * (self-fencing), drains and ends. Time, scheduling, the transport and the job table are injected
 * ({@link AgentClock}, {@link Dialer}, {@link SessionJobs}), so every rule here is a unit test.
 *
 * <p>The connection is always in one {@link SessionPhase}. Draining and closing are modes on top of it:
 * a draining agent keeps reconnecting (saying it drains, so it gets no lease) until it owes the
 * coordinator nothing.
 */
public final class AgentSession {
  private static final Log log = Log.get(AgentSession.class);
  /** Reconnect backoff: 100 ms doubling to 5 s, jittered. */
  static final Backoff BACKOFF = new Backoff(100, 5000);


  /** How long things may take. */
  public record Timing(Duration stopGrace, Duration drainTimeout, Duration connectTimeout) {}

  /** Leaving gracefully: until the deadline, or {@code stopping} the rest until the second one. */
  private record Drain(long deadlineNanos, boolean stopping, AgentExit.Reason reason, String message) {}

  private final AgentIdentity id;
  private final Timing timing;
  private final AgentClock clock;
  private final Dialer dialer;
  private final SessionJobs jobs;
  private final RandomGenerator random;
  private final Consumer<AgentExit> onExit;

  private SessionPhase phase = new SessionPhase.Disconnected(0);
  private boolean everRegistered;
  /** The highest leadership epoch a coordinator registered us in (0 for a lone coordinator). */
  private long highestEpoch;
  private int attempt;
  private long startNanos;
  /** Whether the last attempt to reach the coordinator was refused (it is restarting, not cut off). */
  private boolean lastRefused;
  /** When the current disconnection from a registered stream began (0 while connected). */
  private long cutOffSinceNanos;
  private long reconnectGraceMs = 10_000;
  private long heartbeatTimeoutMs = 3_000;
  private final HeartbeatPace heartbeats;
  private final CoordinatorProbe probe;
  private AgentClock.@Nullable Timer drainTimer;
  private @Nullable Drain drain;
  private boolean drainConfirmed;
  /** Closing (the owner's close): no reconnect, jobs stopped, leave once they end. */
  private long closeDeadlineNanos;
  private boolean closing;

  public AgentSession(AgentIdentity id, Timing timing, AgentClock clock, Dialer dialer, SessionJobs jobs,
      RandomGenerator random, Consumer<AgentExit> onExit) {
    this.id = id;
    this.timing = timing;
    this.clock = clock;
    this.dialer = dialer;
    this.jobs = jobs;
    this.random = random;
    this.onExit = onExit;
    this.probe = new CoordinatorProbe(id.target().contains(","));
    this.heartbeats = new HeartbeatPace(clock, () -> jobs.heldLeases().isEmpty(), this::heartbeat);
  }

  SessionPhase phase() {
    return phase;
  }

  public boolean isExited() {
    return phase instanceof SessionPhase.Exited;
  }

  /** The silence a connection may have before the agent counts itself cut off. */
  public static Duration silenceAllowed(long intervalMs, long timeoutMs) {
    return Duration.ofMillis(Math.max(timeoutMs - intervalMs, timeoutMs / 2));
  }

  // ------------------------------------------------------------------ connecting

  /** Dials for the first time. */
  public void start() {
    startNanos = clock.nanos();
    connect();
  }

  private void connect() {
    if (closing || isExited()) {
      return;
    }
    Object[] self = new Object[1];
    Dialer.Stream stream = dialer.open(new Dialer.Listener() {
      @Override
      public void onMessage(CoordinatorMessage m) {
        if (isCurrent(self[0])) {
          AgentSession.this.onMessage(m);
        }
      }

      @Override
      public void onEnd(Status status) {
        if (isCurrent(self[0])) {
          AgentSession.this.onEnd(status);
        }
      }
    });
    self[0] = stream;
    phase = new SessionPhase.Connecting(stream);
    if (probe.cluster()) { // a coordinator that never answers (paused) is no leader to wait for
      clock.schedule(() -> giveUpIfStill(stream, false), Math.max(heartbeatTimeoutMs, 1000));
    }
    stream.send(WorkerMessage.newBuilder().setRegister(Register.newBuilder()
        .setName(id.name()).addAllJobTypes(id.types()).setSlots(id.slots()).setHost(id.host())
        .putAllLabels(id.labels()).setAgentVersion("spc-agent/0.1").setDraining(drain != null)
        .addAllHeldLeaseIds(jobs.heldLeases()).setInstanceId(id.instanceId())
        .addAllResultLeaseIds(jobs.resultLeases())).build());
  }

  @SuppressWarnings("ReferenceEquality") // which stream: the very object
  private boolean isCurrent(@Nullable Object stream) {
    return stream != null && stream() == stream;
  }

  /** The stream of the current connection, if any. */
  private Dialer.@Nullable Stream stream() {
    return phase instanceof SessionPhase.Connecting c ? c.stream()
        : phase instanceof SessionPhase.Connected d ? d.stream() : null;
  }

  /** The stream a message came on: there is one while messages arrive. */
  private Dialer.Stream currentStream() {
    return java.util.Objects.requireNonNull(stream(), "a message without a stream");
  }

  private void onMessage(CoordinatorMessage m) {
    probe.heard(clock.nanos());
    // A switch expression: a new kind in the protocol is a compile error here, never ignored.
    Runnable handle = switch (m.getKindCase()) {
      case REGISTERED -> () -> onRegistered(m.getRegistered());
      case LEASES -> () -> {
        jobs.start(m.getLeases().getLeasesList(), closing);
        heartbeats.leasesArrived();
      };
      case STOP_JOBS -> () -> jobs.stop(m.getStopJobs().getStopsList());
      case STOP_WORKER -> () -> onStopWorker(m.getStopWorker());
      case RESULTS_TAKEN -> () -> {
        jobs.resultsTaken(m.getResultsTaken().getUpToSeq());
        jobsChanged();
      };
      case COORDINATOR_STOPPING -> this::onCoordinatorStopping;
      case HEARTBEAT_ECHO -> () -> { }; // heard: that was all it was for
      case SIGNALS -> () -> jobs.signal(m.getSignals().getSignalsList());
      case CADENCE -> () -> heartbeats.idleInterval(m.getCadence().getIdleHeartbeatIntervalMs());
      case KIND_NOT_SET -> () -> log.warn("empty message from coordinator");
    };
    handle.run();
  }

  private void onRegistered(Registered r) {
    if (r.getEpoch() < highestEpoch) {
      // A coordinator deposed since we saw its successor: it cannot commit anything, and it will
      // cut this stream as soon as it notices. Take nothing from it; reconnect when it does.
      log.warn("ignoring a deposed coordinator", "worker", id.name(), "its_epoch", r.getEpoch(),
          "epoch_seen", highestEpoch);
      return;
    }
    highestEpoch = r.getEpoch();
    Dialer.Stream stream = currentStream();
    phase = new SessionPhase.Connected(stream, false);
    attempt = 0;
    cutOffSinceNanos = 0;
    if (r.getReconnectGraceMs() > 0) {
      reconnectGraceMs = r.getReconnectGraceMs();
    }
    if (r.getHeartbeatTimeoutMs() > 0) {
      heartbeatTimeoutMs = r.getHeartbeatTimeoutMs();
    }
    long interval = Math.max(10, r.getHeartbeatIntervalMs());
    probe.registered(r.getEchoesHeartbeats(), heartbeatTimeoutMs, clock.nanos());
    dialer.silenceAllowed(silenceAllowed(interval, heartbeatTimeoutMs));
    if (!everRegistered) {
      log.info("registered", "worker", id.name(), "coordinator", id.target(), "slots", id.slots(),
          "types", String.join(",", id.types()), "epoch", r.getEpoch());
    } else {
      log.info("reconnected", "worker", id.name(), "coordinator", id.target(),
          "held_leases", jobs.heldLeases().size(), "epoch", r.getEpoch());
    }
    everRegistered = true;
    heartbeats.start(interval, r.getIdleHeartbeatIntervalMs());
    jobs.connected(true); // a draining agent said so in its Register: no lease comes
    jobsChanged();
  }

  /** One heartbeat, if still registered here and the coordinator answers; false: stop beating. */
  private boolean heartbeat() {
    if (!(phase instanceof SessionPhase.Connected) || probe.unanswered(clock.nanos())) {
      giveUpIfStill(stream(), true); // unanswered: see CoordinatorProbe (paused, not cut off)
      return false;
    }
    send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
        .addAllRunningLeaseIds(jobs.heldLeases()).setEcho(probe.echo(clock.nanos()))).build());
    return true;
  }

  /** Leaves {@code stream} for another coordinator if it is still current and (not) registered. */
  private void giveUpIfStill(Dialer.@Nullable Stream stream, boolean registered) {
    if (stream != null && isCurrent(stream) && registeredNow() == registered) {
      stream.abandon();
      onEnd(Status.UNAVAILABLE.withDescription(StreamFailure.NOT_ANSWERING + (registeredNow()
          ? " heartbeats for " + probe.timeoutMillis() : " the registration for "
          + Math.max(heartbeatTimeoutMs, 1000)) + "ms"));
    }
  }

  private void onStopWorker(dev.spc.proto.StopWorker stop) {
    String why = "worker " + id.name() + " stopped by the coordinator (" + stop.getReason() + ")";
    if (stop.getDrain()) {
      // Also the confirmation of our own drain: every lease granted before it has arrived.
      drainConfirmed = true;
      drain(AgentExit.Reason.STOPPED, why);
      jobsChanged();
    } else {
      finish(AgentExit.Reason.STOPPED, why);
    }
  }

  /** Everything sent before our half-close is taken; jobs keep running; we reconnect. */
  private void onCoordinatorStopping() {
    jobs.flushResults();
    log.info("coordinator stopping; will reconnect", "worker", id.name(), "coordinator", id.target(),
        "running_jobs", jobs.heldLeases().size());
    Dialer.Stream stream = currentStream();
    phase = new SessionPhase.Connected(stream, true);
    stream.halfClose();
  }

  private void onEnd(Status status) {
    boolean wasRegistered = phase instanceof SessionPhase.Connected;
    boolean halfClosed = phase instanceof SessionPhase.Connected c && c.halfClosed();
    StreamFailure failure = StreamFailure.classify(status);
    // A refusal, a standby, a paused coordinator: the host is up, not cut off; no early fence.
    lastRefused = failure == StreamFailure.REFUSED || failure == StreamFailure.STANDBY
        || failure == StreamFailure.PAUSED;
    long now = clock.nanos();
    phase = new SessionPhase.Disconnected(now);
    if (wasRegistered) {
      cutOffSinceNanos = now;
      clock.schedule(() -> fenceIfCutOff(now), heartbeatTimeoutMs);
      if (failure == StreamFailure.SILENT) {
        // Nothing came back for the heartbeat timeout: the coordinator has declared us lost by
        // now (or will at once), so our jobs' leases are gone. Stop them.
        fence("no answer from the coordinator for the heartbeat timeout");
      } else {
        clock.schedule(() -> selfFence(now), reconnectGraceMs);
      }
    }
    jobs.connected(false);
    heartbeats.cancel();
    if (closing) {
      jobsChanged();
      return;
    }
    String why = status.getDescription() != null ? status.getDescription()
        : status.getCode().toString();
    if (!everRegistered && failure == StreamFailure.NAME_TAKEN) {
      finish(AgentExit.Reason.NAME_TAKEN, "worker name '" + id.name()
          + "' is already taken by a connected worker at " + id.target());
      return;
    }
    if (failure == StreamFailure.INVALID || failure == StreamFailure.DENIED) {
      finish(AgentExit.Reason.REFUSED, "coordinator at " + id.target() + " refused worker "
          + id.name() + ": " + why);
      return;
    }
    // Try often enough to be back within the coordinator's reconnect grace, where jobs wait for us.
    long backoffMs = Math.min(BACKOFF.delayMillis(attempt++, random),
        Math.max(100, reconnectGraceMs / 5));
    if (failure == StreamFailure.STANDBY || failure == StreamFailure.PAUSED) {
      backoffMs = Math.min(backoffMs, 500); // a cluster between leaders: the next one is seconds away
    }
    if (!everRegistered) {
      long elapsedMs = (now - startNanos) / 1_000_000;
      if (elapsedMs + backoffMs > timing.connectTimeout().toMillis()) {
        finish(AgentExit.Reason.UNREACHABLE, "cannot reach coordinator at " + id.target()
            + " after " + Durations.format(timing.connectTimeout()) + " (" + why + ")");
        return;
      }
      log.debug("coordinator not reachable yet; retrying", "coordinator", id.target(), "error", why,
          "retry_in_ms", backoffMs);
    } else if (attempt == 1 && !halfClosed) {
      log.warn("lost the coordinator; reconnecting", "coordinator", id.target(), "error", why,
          "running_jobs", jobs.heldLeases().size());
    } else {
      log.debug("reconnect failed", "coordinator", id.target(), "error", why, "retry_in_ms", backoffMs);
    }
    clock.schedule(this::connect, backoffMs);
    jobsChanged();
  }

  // ------------------------------------------------------------------ fencing

  /**
   * Cut off for longer than the coordinator's reconnect grace: it has given our jobs up by now,
   * so stop them rather than let them run on without a lease.
   */
  private void selfFence(long since) {
    if (cutOffSinceNanos == since && !registeredNow() && !isExited()) {
      fence("coordinator unreachable for the reconnect grace (" + reconnectGraceMs + "ms)");
    }
  }

  /**
   * Still disconnected after the heartbeat timeout, and the coordinator's host did not refuse us
   * (a restarting coordinator refuses connections; a partition does not answer at all): it has
   * declared us lost, so stop our jobs. A restart gets the full reconnect grace instead.
   */
  private void fenceIfCutOff(long since) {
    if (cutOffSinceNanos == since && !registeredNow() && !lastRefused && !isExited()) {
      fence("no contact with the coordinator for the heartbeat timeout (" + heartbeatTimeoutMs + "ms)");
    }
  }

  /** Registered on a stream right now (dialing again does not count). */
  private boolean registeredNow() {
    return phase instanceof SessionPhase.Connected;
  }

  private void fence(String why) {
    if (!jobs.heldLeases().isEmpty()) {
      log.warn("lost the coordinator; stopping jobs (self-fencing)", "worker", id.name(), "why", why,
          "jobs", jobs.heldLeases().size());
      jobs.fenceAll("worker " + id.name() + ": " + why + "; stopped (self-fencing)");
    }
  }

  // ------------------------------------------------------------------ sending

  /** Sends on the current stream if registered and not half-closed; false if not sent. */
  public boolean send(WorkerMessage m) {
    return phase instanceof SessionPhase.Connected c && !c.halfClosed() && c.stream().send(m);
  }

  // ------------------------------------------------------------------ leaving

  /**
   * Leaves gracefully: takes no new jobs (and tells the coordinator), lets running jobs finish
   * for up to the drain timeout, then stops the rest; leaves once it owes the coordinator
   * nothing: no job runs, every result is confirmed stored, and (while connected) the
   * coordinator has confirmed that no lease is on its way. While cut off it keeps reconnecting
   * meanwhile, so that results that finished while the coordinator was away still reach it.
   */
  public void drain(AgentExit.Reason reason, String message) {
    if (isExited() || drain != null) {
      return;
    }
    Drain d = new Drain(clock.nanos() + timing.drainTimeout().toNanos(), false, reason, message);
    drain = d;
    send(WorkerMessage.newBuilder().setDraining(dev.spc.proto.Draining.getDefaultInstance()).build());
    log.info("draining", "worker", id.name(), "running_jobs", jobs.heldLeases().size(),
        "undelivered_results", jobs.undeliveredResults(),
        "drain_timeout", Durations.format(timing.drainTimeout()));
    armDrainTimer(d);
    jobsChanged();
  }

  /**
   * Leaves politely at once: takes no new jobs, asks running ones to stop and waits up to the
   * stop grace for them and for their results to be confirmed (a closing agent does not
   * reconnect, so while cut off it waits only for its jobs).
   */
  public void close() {
    if (isExited()) {
      return;
    }
    closing = true;
    jobs.stopAll("worker shutting down");
    closeDeadlineNanos = clock.nanos() + timing.stopGrace().toNanos();
    clock.schedule(this::jobsChanged, timing.stopGrace().toMillis() + 1);
    jobsChanged();
  }

  private void armDrainTimer(Drain d) {
    if (drainTimer != null) {
      drainTimer.cancel();
    }
    long ms = Math.max(0, (d.deadlineNanos() - clock.nanos()) / 1_000_000) + 1;
    drainTimer = clock.schedule(this::jobsChanged, ms);
  }

  /**
   * Something the agent may be waiting for changed (a job ended, results were confirmed, the
   * connection came or went, a deadline passed): leave if it may.
   */
  public void jobsChanged() {
    if (isExited()) {
      return;
    }
    boolean connected = phase instanceof SessionPhase.Connected;
    if (closing) {
      boolean owesNothing = jobs.heldLeases().isEmpty()
          && (jobs.undeliveredResults() == 0 || !connected);
      if (owesNothing || clock.nanos() - closeDeadlineNanos >= 0) {
        leave(AgentExit.Reason.CLOSED, "worker " + id.name() + " closed");
      }
      return;
    }
    if (drain == null) {
      return;
    }
    if (jobs.heldLeases().isEmpty() && jobs.undeliveredResults() == 0
        && (drainConfirmed || !connected)) {
      finish(drain.reason(), drain.message());
      return;
    }
    if (clock.nanos() - drain.deadlineNanos() >= 0) {
      if (drain.stopping() || jobs.heldLeases().isEmpty()) {
        leave(drain.reason(), drain.message()); // what still runs is stuck
        return;
      }
      log.info("drain timeout: stopping the remaining jobs", "worker", id.name(),
          "running_jobs", jobs.heldLeases().size());
      jobs.stopAll("worker shutting down");
      Drain stopping = new Drain(clock.nanos() + timing.stopGrace().toNanos() + 1_000_000_000L,
          true, drain.reason(), drain.message());
      drain = stopping;
      armDrainTimer(stopping);
    }
  }

  /**
   * Ends the agent; if results are still unconfirmed (the coordinator could not be reached, or did
   * not confirm in time), says how many, and ends {@link AgentExit.Reason#RESULTS_UNDELIVERED}.
   */
  private void leave(AgentExit.Reason reason, String message) {
    jobs.flushResults();
    int owed = jobs.undeliveredResults();
    if (owed == 0) {
      finish(reason, message);
      return;
    }
    log.warn("leaving with results the coordinator has not confirmed", "worker", id.name(),
        "coordinator", id.target(), "undelivered_results", owed);
    finish(AgentExit.Reason.RESULTS_UNDELIVERED, "worker " + id.name() + " left with " + owed
        + " result(s) the coordinator at " + id.target() + " has not confirmed; unless it took them,"
        + " their jobs end CRASHED there");
  }

  /** Ends the agent: jobs are asked to stop, the stream is closed, the exit is published. */
  public void finish(AgentExit.Reason reason, String message) {
    if (isExited()) {
      return;
    }
    closing = true;
    jobs.stopAll("worker " + id.name() + " is stopping");
    Dialer.Stream stream = stream();
    if (stream != null) {
      stream.halfClose();
    }
    heartbeats.cancel();
    if (drainTimer != null) {
      drainTimer.cancel();
    }
    if (reason == AgentExit.Reason.CLOSED) {
      log.info("agent closed", "worker", id.name());
    } else {
      log.debug("agent ending", "worker", id.name(), "reason", reason);
    }
    AgentExit exit = new AgentExit(reason, message);
    phase = new SessionPhase.Exited(exit);
    onExit.accept(exit);
  }
}
