package dev.spc.worker;

import dev.spc.common.Durations;
import dev.spc.common.Log;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.Register;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import dev.spc.worker.builtin.Builtins;
import dev.spc.worker.internal.AgentState;
import dev.spc.worker.internal.AgentTransport;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * A worker agent: dials the coordinator, registers its name, job types and slots over one
 * bidirectional stream, runs leased jobs on its slots and reports their outcomes.
 *
 * <pre>{@code
 * try (WorkerAgent agent = WorkerAgent.newBuilder()
 *     .coordinator("127.0.0.1:7070")
 *     .name("resizer-1")
 *     .slots(4)
 *     .handler("resize", ctx -> ctx.setResult(resize(ctx.payload())))
 *     .build()
 *     .start()) {
 *   AgentExit exit = agent.awaitExit();
 * }
 * }</pre>
 *
 * <p>Concurrency: one agent thread owns the stream and the table of running jobs; gRPC callbacks,
 * slot threads and timers post tasks to it. Handlers run on slot threads.
 *
 * <p>Connection: at start the agent retries for the connect timeout, then gives up
 * ({@link AgentExit.Reason#UNREACHABLE}). Once registered, a lost stream is retried with jittered
 * exponential backoff, capped at 5 s; jobs keep running meanwhile and their results, and the
 * leases still held, are reported on the new stream. The coordinator decides whether they still
 * count.
 *
 * <p>Stopping a job (rule 13 of docs/rules.md): the context reports cancellation and the thread is
 * interrupted; after the stop grace a job still running marks its slot stuck, which the agent
 * reports; when every slot is stuck the agent ends with {@link AgentExit.Reason#ALL_SLOTS_STUCK}.
 */
public final class WorkerAgent implements AutoCloseable {
  private static final Log log = Log.get("agent");
  private static final Pattern NAME = dev.spc.common.Limits.WORKER_NAME;
  private static final Pattern TYPE = dev.spc.common.Limits.JOB_TYPE;
  private static final long MAX_BACKOFF_MS = 5000;
  /** How often running jobs are checked against their max_seconds. */
  private static final long DEADLINE_SCAN_MS = 50;

  private final String target;
  private final String name;
  private final int slots;
  private final Map<String, JobHandler> handlers;
  private final Duration stopGrace;
  private final Duration drainTimeout;
  private final Duration connectTimeout;
  private final String host;
  private final RandomGenerator random;
  private final AgentTransport transport;
  private final WorkerServiceGrpc.WorkerServiceStub stub;
  private final ScheduledExecutorService agentThread;
  private final ExecutorService slotThreads;
  private final CompletableFuture<AgentExit> exit = new CompletableFuture<>();
  private final AgentState state;

  // Agent-thread state.
  private Object session;
  private StreamObserver<WorkerMessage> out;
  private boolean registered;
  /** We half-closed the current stream because the coordinator is stopping. */
  private boolean halfClosed;
  private boolean everRegistered;
  private boolean closing;
  private boolean draining;
  private boolean drainConfirmed;
  private int attempt;
  private long startNanos;
  private ScheduledFuture<?> heartbeats;
  private long reconnectGraceMs = 10_000;
  private long heartbeatTimeoutMs = 3_000;
  /** Whether the last attempt to reach the coordinator was refused (it is restarting, not cut off). */
  private boolean lastRefused;
  /** When the current disconnection began (0 while connected and registered). */
  private long disconnectedSinceNanos;

  private WorkerAgent(Builder b) {
    this.target = b.target;
    this.name = b.name;
    this.slots = b.slots;
    this.handlers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.handlers));
    this.stopGrace = b.stopGrace;
    this.drainTimeout = b.drainTimeout;
    this.connectTimeout = b.connectTimeout;
    this.host = b.host;
    this.random = b.random;
    Channel channel = b.channel;
    if (channel == null) {
      // Until registration tells the coordinator's heartbeat settings, assume its defaults.
      transport = new AgentTransport(target, silenceAllowed(1000, heartbeatTimeoutMs));
      channel = transport.channel();
    } else {
      transport = null;
    }
    this.stub = WorkerServiceGrpc.newStub(channel);
    this.agentThread = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("spc-agent").daemon(true).factory());
    // One thread per slot, fed from a queue: a thread that finishes a job takes the next queued
    // one without parking. A stuck job holds its thread, exactly as it holds its slot.
    this.slotThreads = new java.util.concurrent.ThreadPoolExecutor(slots, slots, 60,
        TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
        Thread.ofPlatform().name("spc-slot-", 0).daemon(true).factory());
    this.state = new AgentState(name, slots, stopGrace, agentThread, slotThreads, this::send,
        this::allSlotsStuck);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public String name() {
    return name;
  }

  /** The job types this agent registers. */
  public java.util.Set<String> jobTypes() {
    return handlers.keySet();
  }

  /** Connects and registers in the background. */
  public WorkerAgent start() {
    agentThread.execute(() -> {
      startNanos = System.nanoTime();
      connect();
    });
    agentThread.scheduleAtFixedRate(state::flushUpdates, 200, 200, TimeUnit.MILLISECONDS);
    agentThread.scheduleAtFixedRate(state::enforceDeadlines, DEADLINE_SCAN_MS, DEADLINE_SCAN_MS,
        TimeUnit.MILLISECONDS);
    return this;
  }

  /** Completes when the agent ends, with why. */
  public CompletableFuture<AgentExit> exitFuture() {
    return exit;
  }

  /** Blocks until the agent ends. */
  public AgentExit awaitExit() throws InterruptedException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  // ------------------------------------------------------------------ the stream

  private void connect() {
    if (closing) {
      return;
    }
    Object s = new Object();
    session = s;
    halfClosed = false;
    StreamObserver<CoordinatorMessage> in = new StreamObserver<>() {
      @Override
      public void onNext(CoordinatorMessage m) {
        post(() -> onMessage(s, m));
      }

      @Override
      public void onError(Throwable t) {
        post(() -> onStreamEnd(s, Status.fromThrowable(t)));
      }

      @Override
      public void onCompleted() {
        post(() -> onStreamEnd(s, Status.OK));
      }
    };
    out = stub.connect(in);
    out.onNext(WorkerMessage.newBuilder().setRegister(Register.newBuilder()
        .setName(name)
        .addAllJobTypes(handlers.keySet())
        .setSlots(slots)
        .setHost(host)
        .setAgentVersion("spc-agent/0.1")
        .setDraining(draining)
        .addAllHeldLeaseIds(state.heldLeases())).build());
  }

  private void post(Runnable r) {
    try {
      agentThread.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  private void onMessage(Object s, CoordinatorMessage m) {
    if (s != session) {
      return;
    }
    // A switch expression: a new kind in the protocol is a compile error here, never ignored.
    Runnable handle = switch (m.getKindCase()) {
      case REGISTERED -> () -> onRegistered(m.getRegistered());
      case LEASES -> () -> state.start(m.getLeases().getLeasesList(), handlers, closing);
      case STOP_JOBS -> () -> state.stop(m.getStopJobs().getStopsList());
      case STOP_WORKER -> () -> onStopWorker(m.getStopWorker());
      case RESULTS_TAKEN -> () -> state.resultsTaken(m.getResultsTaken().getUpToSeq());
      case COORDINATOR_STOPPING -> this::onCoordinatorStopping;
      case KIND_NOT_SET -> () -> log.warn("empty message from coordinator");
    };
    handle.run();
  }

  private void onRegistered(dev.spc.proto.Registered r) {
    registered = true;
    attempt = 0;
    disconnectedSinceNanos = 0;
    if (r.getReconnectGraceMs() > 0) {
      reconnectGraceMs = r.getReconnectGraceMs();
    }
    if (r.getHeartbeatTimeoutMs() > 0) {
      heartbeatTimeoutMs = r.getHeartbeatTimeoutMs();
    }
    long interval = Math.max(10, r.getHeartbeatIntervalMs());
    if (transport != null) {
      transport.userTimeout(silenceAllowed(interval, heartbeatTimeoutMs));
    }
    if (!everRegistered) {
      log.info("registered", "worker", name, "coordinator", target, "slots", slots,
          "types", String.join(",", handlers.keySet()));
    } else {
      log.info("reconnected", "worker", name, "coordinator", target,
          "held_leases", state.heldLeases().size());
    }
    everRegistered = true;
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
    heartbeats = agentThread.scheduleAtFixedRate(this::heartbeat, interval, interval,
        TimeUnit.MILLISECONDS);
    state.connected(true); // a draining agent said so in its Register: no lease comes
  }

  private void onStopWorker(dev.spc.proto.StopWorker stop) {
    String why = "worker " + name + " stopped by the coordinator (" + stop.getReason() + ")";
    if (stop.getDrain()) {
      // Also the confirmation of our own drain: every lease granted before it has arrived.
      drainConfirmed = true;
      beginDrain(AgentExit.Reason.STOPPED, why);
    } else {
      finish(AgentExit.Reason.STOPPED, why);
    }
  }

  /**
   * Everything sent before our half-close is taken; what finishes later waits for the next
   * stream. Jobs keep running.
   */
  private void onCoordinatorStopping() {
    state.flushResults();
    log.info("coordinator stopping; will reconnect", "worker", name, "coordinator", target,
        "running_jobs", state.heldLeases().size());
    halfClosed = true;
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      // the stream is gone already
    }
  }

  private void onStreamEnd(Object s, Status status) {
    if (s != session) {
      return;
    }
    session = null;
    out = null;
    lastRefused = refused(status);
    if (registered) {
      long since = System.nanoTime();
      disconnectedSinceNanos = since;
      agentThread.schedule(() -> fenceIfCutOff(since), heartbeatTimeoutMs, TimeUnit.MILLISECONDS);
      if (silent(status)) {
        // Nothing came back for the heartbeat timeout: the coordinator has declared us lost by
        // now (or will at once), so our jobs' leases are gone. Stop them.
        fence("no answer from the coordinator for the heartbeat timeout");
      } else {
        agentThread.schedule(() -> selfFence(since), reconnectGraceMs, TimeUnit.MILLISECONDS);
      }
    }
    registered = false;
    state.connected(false);
    if (heartbeats != null) {
      heartbeats.cancel(false);
      heartbeats = null;
    }
    if (closing || exit.isDone()) {
      return;
    }
    String why = status.getDescription() != null ? status.getDescription()
        : status.getCode().toString();
    if (!everRegistered && status.getCode() == Status.Code.ALREADY_EXISTS) {
      finish(AgentExit.Reason.NAME_TAKEN, "worker name '" + name
          + "' is already taken by a connected worker at " + target);
      return;
    }
    if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
      finish(AgentExit.Reason.REFUSED, "coordinator at " + target + " refused worker " + name
          + ": " + why);
      return;
    }
    long backoffMs = backoffMs();
    if (!everRegistered) {
      long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
      if (elapsedMs + backoffMs > connectTimeout.toMillis()) {
        finish(AgentExit.Reason.UNREACHABLE, "cannot reach coordinator at " + target + " after "
            + Durations.format(connectTimeout) + " (" + why + ")");
        return;
      }
      log.debug("coordinator not reachable yet; retrying", "coordinator", target, "error", why,
          "retry_in_ms", backoffMs);
    } else if (attempt == 1 && !halfClosed) {
      log.warn("lost the coordinator; reconnecting", "coordinator", target, "error", why,
          "running_jobs", state.heldLeases().size());
    } else {
      log.debug("reconnect failed", "coordinator", target, "error", why, "retry_in_ms", backoffMs);
    }
    agentThread.schedule(this::connect, backoffMs, TimeUnit.MILLISECONDS);
  }

  /** Jittered exponential backoff: 100ms, 200ms, ... capped at 5s, each scaled by 0.5-1.0. */
  private long backoffMs() {
    long base = Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 10));
    attempt++;
    return (long) (base * (0.5 + random.nextDouble() / 2));
  }

  /**
   * Cut off for longer than the coordinator's reconnect grace: it has given our jobs up by now,
   * so stop them rather than let them run on without a lease.
   */
  private void selfFence(long since) {
    if (disconnectedSinceNanos != since || registered || exit.isDone()) {
      return;
    }
    fence("coordinator unreachable for the reconnect grace (" + reconnectGraceMs + "ms)");
  }

  private void fence(String why) {
    if (!state.heldLeases().isEmpty()) {
      log.warn("lost the coordinator; stopping jobs (self-fencing)", "worker", name, "why", why,
          "jobs", state.heldLeases().size());
      state.fenceAll("worker " + name + ": " + why + "; stopped (self-fencing)");
    }
  }

  /**
   * Still disconnected after the heartbeat timeout, and the coordinator's host did not refuse us
   * (a restarting coordinator refuses connections; a partition does not answer at all): it has
   * declared us lost, so stop our jobs. A restart gets the full reconnect grace instead.
   */
  private void fenceIfCutOff(long since) {
    if (disconnectedSinceNanos == since && !registered && !lastRefused && !exit.isDone()) {
      fence("no contact with the coordinator for the heartbeat timeout (" + heartbeatTimeoutMs + "ms)");
    }
  }

  private static boolean refused(Status status) {
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException && t.getMessage() != null
          && t.getMessage().contains("refused")) {
        return true;
      }
    }
    return false;
  }

  /**
   * How long the agent's data may go unacknowledged before it counts itself cut off. The
   * coordinator declares a worker lost {@code timeout} after the last heartbeat it received; the
   * oldest unacknowledged heartbeat went out at most one {@code interval} after that one. Allowing
   * {@code timeout - interval} of silence makes the agent stop its jobs no later than the
   * coordinator gives them up (never less than half the timeout, for odd settings).
   */
  static Duration silenceAllowed(long intervalMs, long timeoutMs) {
    return Duration.ofMillis(Math.max(timeoutMs - intervalMs, timeoutMs / 2));
  }

  /**
   * The stream died because nothing came back: sent data went unacknowledged (TCP user timeout)
   * or HTTP/2 pings went unanswered. A silent network, not a closed connection.
   */
  private static boolean silent(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    String d = status.getDescription();
    if (d != null && d.startsWith("Keepalive failed")) {
      return true;
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Connection timed out")) {
        return true;
      }
    }
    return false;
  }

  private void heartbeat() {
    send(WorkerMessage.newBuilder().setHeartbeat(
        Heartbeat.newBuilder().addAllRunningLeaseIds(state.heldLeases())).build());
  }

  /** Sends on the current stream if registered; agent thread only. Returns false if not sent. */
  private boolean send(WorkerMessage m) {
    if (out == null || !registered || halfClosed) {
      return false;
    }
    try {
      out.onNext(m);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void allSlotsStuck() {
    finish(AgentExit.Reason.ALL_SLOTS_STUCK, "all " + slots + " slot(s) of worker " + name
        + " are stuck on jobs that ignored the stop request for " + Durations.format(stopGrace)
        + "; exiting so that a supervisor can restart the agent");
  }

  /** Ends the agent: jobs are asked to stop, the stream is closed, the exit is published. */
  private void finish(AgentExit.Reason reason, String message) {
    if (exit.isDone()) {
      return;
    }
    closing = true;
    state.stopAll("worker " + name + " is stopping");
    if (out != null) {
      try {
        out.onCompleted();
      } catch (RuntimeException e) {
        // already broken
      }
    }
    session = null;
    out = null;
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
    if (reason == AgentExit.Reason.CLOSED) {
      log.info("agent closed", "worker", name);
    } else {
      log.debug("agent ending", "worker", name, "reason", reason);
    }
    exit.complete(new AgentExit(reason, message));
  }

  /**
   * Leaves politely: takes no new jobs, asks running ones to stop and waits up to the stop grace
   * for them (they end CANCELLED, "worker shutting down"), reports them, closes the stream.
   */
  @Override
  public void close() {
    post(() -> {
      if (exit.isDone()) {
        return;
      }
      closing = true;
      state.stopAll("worker shutting down");
      long deadline = System.nanoTime() + stopGrace.toNanos();
      drainThenFinish(deadline);
    });
    try {
      exit.get(stopGrace.toMillis() + 2000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("agent did not close in time", "worker", name);
    }
    if (transport != null) {
      // Let the last results and the half-close reach the coordinator before the channel goes:
      // cut short, the coordinator would see a broken stream and count the worker lost.
      transport.close(Duration.ofSeconds(5));
    }
    agentThread.shutdownNow();
    slotThreads.shutdownNow();
  }

  /**
   * Leaves gracefully: takes no new jobs (and tells the coordinator), lets running jobs finish for
   * up to the drain timeout, then stops the rest (they end CANCELLED, "worker shutting down"),
   * reports them and closes the stream. Returns once the agent has ended.
   */
  public AgentExit drainAndClose() {
    post(() -> beginDrain(AgentExit.Reason.CLOSED, "worker " + name + " drained and closed"));
    try {
      exit.get(drainTimeout.toMillis() + stopGrace.toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("agent did not drain in time", "worker", name);
    }
    close();
    return exit.getNow(new AgentExit(AgentExit.Reason.CLOSED, "worker " + name + " closed"));
  }

  private void beginDrain(AgentExit.Reason reason, String message) {
    if (exit.isDone() || draining) {
      return;
    }
    draining = true;
    send(WorkerMessage.newBuilder().setDraining(dev.spc.proto.Draining.getDefaultInstance()).build());
    log.info("draining", "worker", name, "running_jobs", state.heldLeases().size(),
        "undelivered_results", state.undeliveredResults(),
        "drain_timeout", Durations.format(drainTimeout));
    awaitDrained(System.nanoTime() + drainTimeout.toNanos(), false, reason, message);
  }

  /**
   * Waits until the agent owes the coordinator nothing: no job runs, every result is confirmed
   * stored, and (while connected) the coordinator has confirmed that no lease is on its way.
   * While cut off, the agent keeps reconnecting meanwhile (its Register says it is draining), so
   * that results that finished while the coordinator was away still reach it. Gives up at the
   * drain timeout: the jobs still running are stopped, and once they have ended (or the stop
   * grace has passed) the agent leaves, saying how many results it could not deliver.
   */
  private void awaitDrained(long deadlineNanos, boolean stopping, AgentExit.Reason reason,
      String message) {
    if (exit.isDone()) {
      return;
    }
    if (state.heldLeases().isEmpty() && state.undeliveredResults() == 0
        && (drainConfirmed || !registered)) {
      finish(reason, message);
      return;
    }
    if (System.nanoTime() - deadlineNanos >= 0) {
      if (stopping || state.heldLeases().isEmpty()) {
        leave(reason, message); // what still runs is stuck; the coordinator will see us leave
        return;
      }
      log.info("drain timeout: stopping the remaining jobs", "worker", name,
          "running_jobs", state.heldLeases().size());
      state.stopAll("worker shutting down");
      deadlineNanos = System.nanoTime() + stopGrace.toNanos() + 1_000_000_000L;
      stopping = true;
    }
    long d = deadlineNanos;
    boolean st = stopping;
    agentThread.schedule(() -> awaitDrained(d, st, reason, message), 20, TimeUnit.MILLISECONDS);
  }

  /**
   * Closing: waits (up to the deadline) until the stopped jobs have ended and their results are
   * confirmed stored. A closing agent does not reconnect, so while cut off it waits only for its
   * jobs to end.
   */
  private void drainThenFinish(long deadlineNanos) {
    boolean owesNothing = state.heldLeases().isEmpty()
        && (state.undeliveredResults() == 0 || !registered);
    if (owesNothing || System.nanoTime() - deadlineNanos >= 0) {
      leave(AgentExit.Reason.CLOSED, "worker " + name + " closed");
      return;
    }
    agentThread.schedule(() -> drainThenFinish(deadlineNanos), 20, TimeUnit.MILLISECONDS);
  }

  /**
   * Ends the agent; if results are still unconfirmed (the coordinator could not be reached, or did
   * not confirm in time), says how many, and ends {@link AgentExit.Reason#RESULTS_UNDELIVERED}.
   */
  private void leave(AgentExit.Reason reason, String message) {
    state.flushResults();
    int owed = state.undeliveredResults();
    if (owed == 0) {
      finish(reason, message);
      return;
    }
    log.warn("leaving with results the coordinator has not confirmed", "worker", name,
        "coordinator", target, "undelivered_results", owed);
    finish(AgentExit.Reason.RESULTS_UNDELIVERED, "worker " + name + " left with " + owed
        + " result(s) the coordinator at " + target + " has not confirmed; unless it took them,"
        + " their jobs end CRASHED there");
  }

  /** Builder for {@link WorkerAgent}. */
  public static final class Builder {
    private String target = "127.0.0.1:7070";
    private Channel channel;
    private String name;
    private int slots = 1;
    private final Map<String, JobHandler> handlers = new LinkedHashMap<>();
    private boolean builtins = true;
    private boolean allowExec;
    private Duration stopGrace = Duration.ofSeconds(5);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private String host = localHost();
    private RandomGenerator random = new SplittableRandom();

    private Builder() {}

    /** The coordinator as {@code host:port} or any gRPC target (default 127.0.0.1:7070). */
    public Builder coordinator(String target) {
      if (target == null || target.isBlank()) {
        throw new IllegalArgumentException("coordinator must be host:port, got '" + target + "'");
      }
      this.target = target;
      return this;
    }

    /** Use this channel instead of dialing a target (the caller owns and closes it). */
    public Builder channel(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      this.target = channel.authority();
      return this;
    }

    /** Unique among connected workers: 1-128 characters of [A-Za-z0-9._:-]. */
    public Builder name(String name) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "worker name must be 1-128 characters of [A-Za-z0-9._:-], got '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** Jobs run at once: 1-1024 (default 1). */
    public Builder slots(int slots) {
      if (slots < 1 || slots > dev.spc.common.Limits.MAX_SLOTS) {
        throw new IllegalArgumentException("slots must be between 1 and "
            + dev.spc.common.Limits.MAX_SLOTS + ", got " + slots);
      }
      this.slots = slots;
      return this;
    }

    /** Registers a handler for a job type, replacing any earlier one for that type. */
    public Builder handler(String type, JobHandler handler) {
      if (type == null || !TYPE.matcher(type).matches()) {
        throw new IllegalArgumentException("job type must be 1-128 characters of [A-Za-z0-9._:/-]"
            + " starting with a letter or digit, got '" + type + "'");
      }
      handlers.put(type, Objects.requireNonNull(handler, "handler"));
      return this;
    }

    /** Adds every handler that {@link JobHandlerProvider}s on this class loader contribute. */
    public Builder discoverHandlers(ClassLoader loader) {
      for (JobHandlerProvider p : ServiceLoader.load(JobHandlerProvider.class, loader)) {
        p.handlers().forEach(this::handler);
      }
      return this;
    }

    /**
     * Offer the {@code exec} type: jobs that run programs on this host (default false: running
     * whatever a client submits is a decision for whoever runs the agent).
     */
    public Builder allowExec(boolean on) {
      this.allowExec = on;
      return this;
    }

    /** Whether the built-in types (sleep, fail, spin, echo, noop) are offered (default true). */
    public Builder builtins(boolean on) {
      this.builtins = on;
      return this;
    }

    /** How long a stopped job may take to honour the stop before its slot is stuck (default 5s). */
    public Builder stopGrace(Duration grace) {
      if (grace.isNegative() || grace.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException(
            "stop grace must be between 0s and 10m, got " + Durations.format(grace));
      }
      this.stopGrace = grace;
      return this;
    }

    /** How long a draining agent lets running jobs finish before stopping them (default 30s). */
    public Builder drainTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException(
            "drain timeout must be between 0s and 24h, got " + Durations.format(timeout));
      }
      this.drainTimeout = timeout;
      return this;
    }

    /** How long to keep trying to reach the coordinator at start (default 10s). */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(
            "connect timeout must be positive, got " + Durations.format(timeout));
      }
      this.connectTimeout = timeout;
      return this;
    }

    /** The host name reported to the coordinator (default: this machine's). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Randomness for reconnect jitter (tests pass a seeded one). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    public WorkerAgent build() {
      if (name == null) {
        throw new IllegalArgumentException("worker name is required");
      }
      if (builtins) {
        Builtins.all().forEach(handlers::putIfAbsent);
      }
      if (allowExec) {
        handlers.put(dev.spc.worker.exec.ExecHandler.TYPE,
            new dev.spc.worker.exec.ExecHandler(dev.spc.worker.exec.ExecHandler.DEFAULT_TAIL_BYTES));
      }
      if (handlers.isEmpty()) {
        throw new IllegalArgumentException("a worker needs at least one job handler");
      }
      return new WorkerAgent(this);
    }

    private static String localHost() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        return "unknown";
      }
    }
  }
}
