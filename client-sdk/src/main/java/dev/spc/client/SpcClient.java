package dev.spc.client;

import static dev.spc.client.internal.Calls.call;
import static dev.spc.client.internal.Calls.join;

import dev.spc.client.internal.Connection;
import dev.spc.client.internal.Convert;
import dev.spc.client.internal.CallRetries;
import dev.spc.client.internal.SubmitCoalescer;
import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.BearerToken;
import dev.spc.proto.CancelJobRequest;
import dev.spc.proto.ClientTls;
import dev.spc.proto.GetJobRequest;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListWorkersRequest;
import dev.spc.proto.StopWorkerRequest;
import dev.spc.proto.SubmitJobsRequest;
import dev.spc.proto.WaitAnyJobRequest;
import dev.spc.proto.WaitJobRequest;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.stub.AbstractStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The SPC client: submit, inspect, cancel and wait for jobs; list and stop workers.
 *
 * <pre>{@code
 * try (SpcClient spc = SpcClient.connect("127.0.0.1:7070")) {
 *   JobId id = spc.submit(JobSpec.of("echo", "hello"));
 *   JobStatus done = spc.await(id);
 *   System.out.println(done.describe() + " " + done.resultText());
 * }
 * }</pre>
 *
 * <p>Every call has a blocking form and a {@code ...Async} form returning a
 * {@link CompletableFuture}; cancelling that future cancels the call. Failures are
 * {@link SpcException}s (thrown, or completing the future exceptionally). Thread-safe; share one
 * client.
 */
public final class SpcClient implements AutoCloseable {
  private final Connection connection;
  private final Channel channel;
  private final JobServiceGrpc.JobServiceFutureStub jobs;
  private final AdminServiceGrpc.AdminServiceFutureStub admin;
  private final Duration callTimeout;
  private final CallRetries retries;
  private final @Nullable CallCredentials credentials;
  private final SubmitCoalescer submits;

  private SpcClient(Connection connection, Duration callTimeout, Duration submitRetryTimeout,
      @Nullable CallCredentials credentials, List<io.grpc.ClientInterceptor> interceptors, boolean coalesce) {
    this.connection = connection;
    this.channel = io.grpc.ClientInterceptors.intercept(connection.channel(), interceptors);
    this.credentials = credentials;
    this.jobs = withCredentials(JobServiceGrpc.newFutureStub(channel));
    this.admin = withCredentials(AdminServiceGrpc.newFutureStub(channel));
    this.callTimeout = callTimeout;
    this.retries = new CallRetries(connection.cluster(), submitRetryTimeout);
    this.submits = SubmitCoalescer.over(() -> unary(jobs), coalesce && interceptors.isEmpty());
  }

  /** A client that dials {@code target} ({@code host:port}) in plaintext and owns the channel. */
  public static SpcClient connect(String target) {
    return newBuilder().target(target).build();
  }

  /** A client over a channel the caller owns (and closes). */
  public static SpcClient create(Channel channel) {
    return newBuilder().channel(channel).build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ submit

  /** Submits one job; returns its id at once. */
  public JobId submit(JobSpec spec) {
    return join(submitAsync(spec));
  }

  public CompletableFuture<JobId> submitAsync(JobSpec spec) {
    dev.spc.proto.JobSpec p = spec.toProto();
    if (p.getIdempotencyKey().isEmpty()) {
      p = p.toBuilder().setIdempotencyKey(Convert.newKey()).build();
    }
    dev.spc.proto.JobSpec keyed = p;
    return retries.shortCall(() -> submits.submit(keyed).thenApply(JobId::of));
  }

  /** Submits a batch, all or nothing; ids come back in the order of {@code specs}. */
  public List<JobId> submitAll(List<JobSpec> specs) {
    return join(submitAllAsync(specs));
  }

  public CompletableFuture<List<JobId>> submitAllAsync(List<JobSpec> specs) {
    return submitProtos(specs.stream().map(JobSpec::toProto).toList());
  }

  /** Submits a batch with dependencies among its jobs, all or nothing; ids in the order added. */
  public List<JobId> submit(Batch batch) {
    return join(submitProtos(batch.toProto()));
  }

  private CompletableFuture<List<JobId>> submitProtos(List<dev.spc.proto.JobSpec> specs) {
    // One key for the whole batch: a retry returns the same ids and creates nothing.
    SubmitJobsRequest req = SubmitJobsRequest.newBuilder().setIdempotencyKey(Convert.newKey()).addAllJobs(specs).build();
    return retries.shortCall(() -> call(unary(jobs).submitJobs(req),
        r -> r.getJobIdsList().stream().map(JobId::of).toList()));
  }

  // ------------------------------------------------------------------ inspect and cancel

  /** The job's current state; UNKNOWN for an id the coordinator never issued. */
  public JobStatus status(JobId id) {
    return join(statusAsync(id));
  }

  public CompletableFuture<JobStatus> statusAsync(JobId id) {
    return retries.read(() -> call(unary(jobs).getJob(GetJobRequest.newBuilder().setJobId(id.value()).build()),
        Convert::fromProto));
  }

  /** Cancels the job (a no-op for a done or unknown one); returns its state afterwards. */
  public JobState cancel(JobId id) {
    return join(cancelAsync(id));
  }

  public CompletableFuture<JobState> cancelAsync(JobId id) {
    return retries.read(() -> call(unary(jobs).cancelJob(CancelJobRequest.newBuilder().setJobId(id.value()).build()),
        r -> Convert.state(r.getState())));
  }

  /**
   * Sends a signal to a running job, at most once: HUP, INT, USR1, USR2 or TERM to an exec job's
   * process group, any name to a handler's {@code ctx.onSignal}. Returns the worker it went to;
   * {@link SpcException} FAILED_PRECONDITION if the job is not running.
   */
  public String signal(JobId id, String signal, byte[] payload) {
    return join(call(unary(jobs).signalJob(dev.spc.proto.SignalJobRequest.newBuilder().setJobId(id.value())
        .setSignal(signal).setPayload(com.google.protobuf.ByteString.copyFrom(payload)).build()), r -> r.getWorker()));
  }

  /**
   * Cancels every job not done that matches {@code selector}, in one step of the coordinator;
   * returns how many. Needs the operator role.
   */
  public long cancelJobs(JobSelector selector) {
    return join(cancelJobsAsync(selector));
  }

  public CompletableFuture<Long> cancelJobsAsync(JobSelector selector) {
    var req = dev.spc.proto.CancelJobsRequest.newBuilder().setSelector(selector.toProto()).build();
    return retries.read(() -> call(unary(jobs).cancelJobs(req), r -> r.getCancelled()));
  }

  /**
   * A new job with the spec of a done one (without its idempotency key), pointing back to it:
   * the "run it again now" of a job that failed for good. {@link SpcException} FAILED_PRECONDITION
   * while the job is not done.
   */
  public JobId rerun(JobId id) {
    return join(rerunAsync(id));
  }

  public CompletableFuture<JobId> rerunAsync(JobId id) {
    dev.spc.proto.RerunJobRequest req = dev.spc.proto.RerunJobRequest.newBuilder().setJobId(id.value()).build();
    return call(unary(jobs).rerunJob(req), r -> JobId.of(r.getJobId()));
  }

  /** Lists jobs in submission order, one page; {@code state} null for every state. */
  public JobPage list(@Nullable JobState state, int pageSize, @Nullable String pageToken) {
    return join(listAsync(state, pageSize, pageToken));
  }

  public CompletableFuture<JobPage> listAsync(@Nullable JobState state, int pageSize,
      @Nullable String pageToken) {
    return findAsync(state == null ? JobQuery.all() : JobQuery.inState(state), pageSize, pageToken);
  }

  /** Lists the jobs {@code query} selects in submission order, one page. */
  public JobPage find(JobQuery query, int pageSize, @Nullable String pageToken) {
    return join(findAsync(query, pageSize, pageToken));
  }

  public CompletableFuture<JobPage> findAsync(JobQuery query, int pageSize, @Nullable String pageToken) {
    ListJobsRequest req = query.toRequest(pageSize, pageToken);
    return retries.read(() -> call(unary(jobs).listJobs(req), r -> new JobPage(
        r.getJobsList().stream().map(Convert::fromProto).toList(),
        r.getNextPageToken().isEmpty() ? java.util.Optional.empty()
            : java.util.Optional.of(r.getNextPageToken()))));
  }

  /** Every job {@code query} selects, fetched page by page as the iteration goes. */
  public Iterable<JobStatus> findAll(JobQuery query) {
    return JobPage.all(token -> find(query, 500, token));
  }

  /** Every job in {@code state} (null: all), fetched page by page as the iteration goes. */
  public Iterable<JobStatus> listAll(@Nullable JobState state) {
    return JobPage.all(token -> list(state, 500, token));
  }

  // ------------------------------------------------------------------ wait

  /** Blocks until the job is done. Throws {@link SpcException.NotFound} for an unknown id. */
  public JobStatus await(JobId id) {
    return join(awaitAsync(id, null));
  }

  /** Like {@link #await(JobId)}, giving up with {@link SpcException.DeadlineExceeded}. */
  public JobStatus await(JobId id, @Nullable Duration timeout) {
    return join(awaitAsync(id, timeout));
  }

  public CompletableFuture<JobStatus> awaitAsync(JobId id, @Nullable Duration timeout) {
    WaitJobRequest req = WaitJobRequest.newBuilder().setJobId(id.value()).build();
    io.grpc.Deadline deadline = timeout == null ? null
        : io.grpc.Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
    // Waiting is idempotent: across a coordinator restart, wait again.
    return retries.retrying(() -> call(withDeadline(jobs, deadline).waitJob(req), Convert::fromProto));
  }

  /** Blocks until the first of {@code ids} is done, and returns it. */
  public JobStatus awaitAny(Collection<JobId> ids) {
    return join(awaitAnyAsync(ids, null));
  }

  public JobStatus awaitAny(Collection<JobId> ids, @Nullable Duration timeout) {
    return join(awaitAnyAsync(ids, timeout));
  }

  public CompletableFuture<JobStatus> awaitAnyAsync(Collection<JobId> ids, @Nullable Duration timeout) {
    WaitAnyJobRequest.Builder b = WaitAnyJobRequest.newBuilder();
    ids.forEach(i -> b.addJobIds(i.value()));
    WaitAnyJobRequest req = b.build();
    io.grpc.Deadline deadline = timeout == null ? null
        : io.grpc.Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return retries.retrying(() -> call(withDeadline(jobs, deadline).waitAnyJob(req), Convert::fromProto));
  }

  // ------------------------------------------------------------------ watch

  /**
   * The job's events as they happen: its state first, then the retained progress and log lines,
   * then new ones; the iteration ends after the job is done. Close it to stop watching early.
   */
  public JobWatch watch(JobId id) {
    return watch(id, true);
  }

  /** With {@code follow == false}: only what is retained now, then the iteration ends. */
  public JobWatch watch(JobId id, boolean follow) {
    return JobWatch.open(withCredentials(JobServiceGrpc.newBlockingStub(channel)), id, follow);
  }

  /**
   * Watches in the background, handing each event to {@code listener} (on a gRPC thread). The
   * future completes with the job's last state when the watch ends; cancel it to stop watching.
   */
  public CompletableFuture<JobStatus> watch(JobId id, java.util.function.Consumer<JobEvent> listener) {
    return JobWatch.inBackground(withCredentials(JobServiceGrpc.newStub(channel)), id, listener);
  }

  // ------------------------------------------------------------------ workers

  /** The connected workers. */
  public List<WorkerInfo> workers() {
    return join(workersAsync());
  }

  public CompletableFuture<List<WorkerInfo>> workersAsync() {
    return retries.read(() -> call(unary(admin).listWorkers(ListWorkersRequest.getDefaultInstance()),
        r -> r.getWorkersList().stream().map(Convert::fromProto).toList()));
  }

  /**
   * Stops a worker: its running jobs become CANCELLED and it leaves. Returns those jobs. A worker
   * that already left is a no-op; a name never seen is {@link SpcException.NotFound}.
   */
  public List<JobId> stopWorker(String name) {
    return join(stopWorkerAsync(name));
  }

  /**
   * Drains a worker: it takes no new jobs, its running ones may finish within its drain timeout
   * (then they are stopped), and it leaves.
   */
  public void drainWorker(String name) {
    join(drainWorkerAsync(name));
  }

  public CompletableFuture<Void> drainWorkerAsync(String name) {
    return retries.read(() -> call(unary(admin).stopWorker(StopWorkerRequest.newBuilder().setName(name).setDrain(true).build()),
        r -> null));
  }

  public CompletableFuture<List<JobId>> stopWorkerAsync(String name) {
    return retries.read(() -> call(unary(admin).stopWorker(StopWorkerRequest.newBuilder().setName(name).build()),
        r -> r.getCancelledJobIdsList().stream().map(JobId::of).toList()));
  }

  /** The coordinator's counters: jobs by state and outcome, workers and slots. */
  public CoordinatorStats stats() {
    return join(statsAsync());
  }

  public CompletableFuture<CoordinatorStats> statsAsync() {
    return retries.read(() -> call(unary(admin).getStats(dev.spc.proto.GetStatsRequest.getDefaultInstance()),
        Convert::fromProto));
  }

  /** Operators' controls: the access level. */
  public AdminClient admin() {
    return new AdminClient(admin, callTimeout, retries);
  }

  /** The coordinator's schedules: jobs made on a calendar or at an interval. */
  public ScheduleClient schedules() {
    return new ScheduleClient(withCredentials(dev.spc.proto.ScheduleServiceGrpc.newFutureStub(channel)),
        callTimeout, retries);
  }

  /** Who leads the cluster, as the coordinator this client talks to sees it. */
  public ClusterInfo cluster() {
    return join(call(unary(admin).getCluster(dev.spc.proto.GetClusterRequest.getDefaultInstance()),
        Convert::fromProto));
  }

  /** Closes the channel if this client opened it. */
  @Override
  public void close() {
    connection.close();
  }

  // ------------------------------------------------------------------ plumbing

  private <S extends AbstractStub<S>> S withCredentials(S stub) {
    return credentials == null ? stub : stub.withCallCredentials(credentials);
  }

  private <S extends AbstractStub<S>> S unary(S stub) {
    return stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static <S extends AbstractStub<S>> S withDeadline(S stub, io.grpc.@Nullable Deadline deadline) {
    return deadline == null ? stub : stub.withDeadline(deadline);
  }

  /** Builder for {@link SpcClient}. */
  public static final class Builder {
    private @Nullable String target;
    private @Nullable Channel channel;
    private Duration callTimeout = Duration.ofSeconds(30);
    private Duration submitRetryTimeout = Duration.ofSeconds(30);
    private @Nullable CallCredentials credentials;
    private final ClientTls tls = new ClientTls();
    private final List<io.grpc.ClientInterceptor> interceptors = new java.util.ArrayList<>();
    private boolean coalesce = true;

    private Builder() {}

    /**
     * Dial with TLS, trusting the CA in this PEM file (re-read when it changes); null: the
     * system's trusted roots. Implies {@link #tls}.
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
     * Present this client certificate (PEM chain and PKCS#8 key, re-read when they change), for
     * a coordinator that requires mutual TLS. Implies {@link #tls}.
     */
    public Builder tlsClientCertificate(Path certPem, Path keyPem) {
      tls.clientCertificate(certPem, keyPem);
      return this;
    }

    /**
     * Any channel credentials (an {@code SslContext} through grpc-netty's
     * {@code NettySslContextChannelCredentials}, ALTS, ...), instead of the TLS settings above.
     */
    public Builder channelCredentials(ChannelCredentials credentials) {
      tls.credentials(credentials);
      return this;
    }

    /**
     * Sends this bearer token with every call (a coordinator started with --tokens-file asks
     * for one). {@code null} or empty: none.
     */
    public Builder token(@Nullable String token) {
      this.credentials = token == null || token.isEmpty()
          ? null : new BearerToken(token);
      return this;
    }

    /** Any call credentials, instead of {@link #token}. */
    public Builder callCredentials(CallCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * How long submits are retried while the coordinator is UNAVAILABLE (default 30s; zero turns
     * retries off). Retries carry an idempotency key, generated when the spec has none.
     */
    public Builder submitRetryTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("submit retry timeout must not be negative, got " + timeout);
      }
      this.submitRetryTimeout = timeout;
      return this;
    }

    /**
     * {@code host:port} (or any gRPC target) to dial; plaintext unless TLS is asked for. Several,
     * comma-separated ({@code a:7070,b:7070,c:7070}), for a cluster of coordinators: calls go to
     * the leader, following standbys' redirects, and are retried while none answers.
     */
    public Builder target(String target) {
      if (target == null || target.isBlank()) {
        throw new IllegalArgumentException("target must be host:port, got '" + target + "'");
      }
      this.target = target;
      return this;
    }

    /** A channel the caller owns, instead of a target. */
    public Builder channel(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /** Runs every call through these (tracing, logging, a tap on the messages); the last runs first. */
    public Builder intercept(io.grpc.ClientInterceptor... interceptors) {
      this.interceptors.addAll(List.of(interceptors));
      return this;
    }

    /**
     * Single submits made while others are on their way go together in one call, each job still
     * accepted or refused alone (default on; off with {@link #intercept}: per-call metadata).
     */
    public Builder coalesceSubmits(boolean on) {
      this.coalesce = on;
      return this;
    }

    /** Deadline for calls other than waits (default 30s). */
    public Builder callTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("call timeout must be positive, got " + timeout);
      }
      this.callTimeout = timeout;
      return this;
    }

    public SpcClient build() {
      if (channel != null) {
        return new SpcClient(Connection.over(channel), callTimeout, submitRetryTimeout, credentials,
            interceptors, coalesce);
      }
      if (target == null) {
        throw new IllegalArgumentException("a target or a channel is required");
      }
      return new SpcClient(Connection.open(target, tls), callTimeout, submitRetryTimeout,
          credentials, interceptors, coalesce);
    }
  }
}
