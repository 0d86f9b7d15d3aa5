package dev.spc.worker;

import dev.spc.common.Durations;
import dev.spc.common.Log;
import dev.spc.proto.BearerToken;
import dev.spc.proto.ClientTls;
import dev.spc.proto.TlsFiles;
import dev.spc.proto.WorkerServiceGrpc;
import dev.spc.worker.builtin.Builtins;
import dev.spc.worker.internal.AgentClock;
import dev.spc.worker.internal.AgentIdentity;
import dev.spc.worker.internal.AgentSession;
import dev.spc.worker.internal.AgentState;
import dev.spc.worker.internal.AgentTransport;
import dev.spc.worker.internal.GrpcDialer;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

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
 * <p>Concurrency: one agent thread owns the session ({@link AgentSession}: connecting,
 * reconnecting with backoff, self-fencing, draining) and the table of running jobs
 * ({@link AgentState}); gRPC callbacks, slot threads and timers post tasks to it. Handlers run on
 * slot threads ({@link SlotThreads}).
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
  private static final Log log = Log.get(WorkerAgent.class);
  private static final Pattern NAME = dev.spc.common.Limits.WORKER_NAME;
  private static final Pattern TYPE = dev.spc.common.Limits.JOB_TYPE;
  /** How often running jobs are checked against their max_seconds. */
  private static final long DEADLINE_SCAN_MS = 50;
  /** How often progress and log lines go out. */
  private static final long UPDATES_MS = 200;

  private final String name;
  private final Map<String, JobHandler> handlers;
  private final Duration stopGrace;
  private final Duration drainTimeout;
  private final @Nullable AgentTransport transport;
  private final ScheduledExecutorService agentThread;
  /** Whether {@link #agentThread} is the agent's alone (else it is the transport's). */
  private final boolean ownsAgentThread;
  private final ExecutorService slotThreads;
  private final CompletableFuture<AgentExit> exit = new CompletableFuture<>();
  private final AgentState state;
  private final AgentSession session;
  /** The agent thread's periodic tasks (updates, deadlines); they end with it. */
  private final List<java.util.concurrent.ScheduledFuture<?>> periodic =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private WorkerAgent(Builder b) {
    this.name = Objects.requireNonNull(b.name, "worker name is required");
    this.handlers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.handlers));
    this.stopGrace = b.stopGrace;
    this.drainTimeout = b.drainTimeout;
    Channel channel = b.channel;
    if (channel == null) {
      // Until registration tells the coordinator's heartbeat settings, assume its defaults.
      transport = new AgentTransport(b.target, AgentSession.silenceAllowed(1000, 3000),
          b.tls.open(TlsFiles.logTo(log)));
      channel = transport.channel();
    } else {
      transport = null;
    }
    // The agent's work (its state, its session) runs on one thread. With a transport that has an
    // I/O thread of its own, that one: on a no-op job at 10,000 a second this took agents from
    // 57 % to 46 % of a core, the difference spent waking one thread for the other.
    ScheduledExecutorService io = transport == null ? null : transport.thread();
    this.ownsAgentThread = io == null;
    this.agentThread = io != null ? io : Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("spc-agent").daemon(true).factory());
    this.slotThreads = b.slotThreads.executor(b.slots);
    AgentClock clock = AgentClock.of(agentThread);
    AgentSession[] sessionRef = new AgentSession[1];
    this.state = new AgentState(name, b.slots, stopGrace, agentThread, slotThreads,
        m -> sessionRef[0].send(m), this::allSlotsStuck, handlers, () -> sessionRef[0].jobsChanged());
    this.session = new AgentSession(
        new AgentIdentity(name, b.target, List.copyOf(handlers.keySet()), b.slots, b.host, b.labels,
            AgentIdentity.newInstanceId()),
        new AgentSession.Timing(stopGrace, drainTimeout, b.connectTimeout),
        clock, new GrpcDialer(b.token == null ? WorkerServiceGrpc.newStub(channel)
            : WorkerServiceGrpc.newStub(channel).withCallCredentials(
                new BearerToken(b.token)), clock, transport), state,
        b.random, this::ended);
    sessionRef[0] = session;
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Completes {@link #exitFuture} off the agent thread: what depends on it (closing the agent,
   * say) must not run on the thread that carries the agent's connection.
   */
  private void ended(AgentExit e) {
    Thread.ofVirtual().name("spc-agent-exit").start(() -> exit.complete(e));
  }

  public String name() {
    return name;
  }

  /** The job types this agent registers. */
  public java.util.Set<String> jobTypes() {
    return handlers.keySet();
  }

  /** Counts for monitoring (slots, outcomes, reconnects, self-fencings), read on the agent thread. */
  public AgentStats stats() throws InterruptedException {
    try {
      return agentThread.submit(state::stats).get(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the agent thread did not answer: " + e, e);
    }
  }

  /** Connects and registers in the background. */
  public WorkerAgent start() {
    agentThread.execute(session::start);
    periodic.add(agentThread.scheduleAtFixedRate(state::flushUpdates, UPDATES_MS, UPDATES_MS,
        TimeUnit.MILLISECONDS));
    periodic.add(agentThread.scheduleAtFixedRate(state::enforceDeadlines, DEADLINE_SCAN_MS,
        DEADLINE_SCAN_MS, TimeUnit.MILLISECONDS));
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

  private void post(Runnable r) {
    try {
      agentThread.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) { // shutting down
    }
  }

  private void allSlotsStuck() {
    session.finish(AgentExit.Reason.ALL_SLOTS_STUCK, "all " + state.slots() + " slot(s) of worker "
        + name + " are stuck on jobs that ignored the stop request for "
        + Durations.format(stopGrace) + "; exiting so that a supervisor can restart the agent");
  }

  /**
   * Leaves politely: takes no new jobs, asks running ones to stop and waits up to the stop grace
   * for them (they end CANCELLED, "worker shutting down"), reports them, closes the stream.
   */
  @Override
  public void close() {
    post(session::close);
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
    if (ownsAgentThread) {
      agentThread.shutdownNow(); // else the transport's close ended it
    }
    slotThreads.shutdownNow();
  }

  /**
   * Leaves gracefully: takes no new jobs (and tells the coordinator), lets running jobs finish for
   * up to the drain timeout, then stops the rest (they end CANCELLED, "worker shutting down"),
   * reports them and closes the stream. Returns once the agent has ended.
   */
  public AgentExit drainAndClose() {
    post(() -> session.drain(AgentExit.Reason.CLOSED, "worker " + name + " drained and closed"));
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

  /** Builder for {@link WorkerAgent}. */
  public static final class Builder {
    private String target = "127.0.0.1:7070";
    private @Nullable Channel channel;
    private @Nullable String name;
    private @Nullable String token;
    private final ClientTls tls = new ClientTls();
    private int slots = 1;
    private SlotThreads slotThreads = SlotThreads.PLATFORM;
    private final Map<String, JobHandler> handlers = new LinkedHashMap<>();
    private boolean builtins = true;
    private boolean allowExec;
    private Duration stopGrace = Duration.ofSeconds(5);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private String host = localHost();
    private java.util.Map<String, String> labels = java.util.Map.of();
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

    /**
     * Dial with TLS, trusting the coordinator's certificate if this PEM CA signed it (re-read
     * when it changes); null: the system's trusted roots.
     */
    public Builder tlsCa(@Nullable Path caPem) {
      tls.ca(caPem);
      return this;
    }

    /** Dial with TLS (default: plaintext); the system's roots unless {@link #tlsCa} says. */
    public Builder tls(boolean on) {
      tls.enable(on);
      return this;
    }

    /**
     * Present this certificate (PEM chain, PKCS#8 PEM key; re-read when they change) to a
     * coordinator that requires mutual TLS: it names the worker (its common name or a DNS SAN).
     */
    public Builder tlsClientCertificate(Path certPem, Path keyPem) {
      tls.clientCertificate(certPem, keyPem);
      return this;
    }

    /** Any channel credentials, instead of the TLS settings above. */
    public Builder channelCredentials(ChannelCredentials credentials) {
      tls.credentials(credentials);
      return this;
    }

    /**
     * Sends this bearer token when connecting (a coordinator started with --tokens-file asks for
     * one, of role worker). {@code null} or empty: none.
     */
    public Builder token(@Nullable String token) {
      this.token = token == null || token.isEmpty() ? null : token;
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

    /** What each job's handler runs on (default {@link SlotThreads#PLATFORM}). */
    public Builder slotThreads(SlotThreads kind) {
      this.slotThreads = Objects.requireNonNull(kind, "slotThreads");
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

    /** Labels jobs are routed by: a job's constraints must match them (at most 32). */
    public Builder labels(java.util.Map<String, String> labels) {
      this.labels = java.util.Map.copyOf(labels);
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
