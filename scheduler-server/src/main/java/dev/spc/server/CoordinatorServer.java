package dev.spc.server;

import dev.spc.common.Log;
import dev.spc.proto.Cluster;
import dev.spc.proto.ClusterMember;
import dev.spc.proto.TlsFiles;
import dev.spc.server.auth.AuthInterceptor;
import dev.spc.server.auth.TokenFile;
import dev.spc.server.grpc.AdminServiceImpl;
import dev.spc.server.grpc.IoThreads;
import dev.spc.server.grpc.JobServiceImpl;
import dev.spc.server.grpc.PeerInterceptor;
import dev.spc.server.grpc.WorkerServiceImpl;
import dev.spc.server.http.HttpFront;
import dev.spc.server.metrics.CoordinatorMetrics;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.Coordinator;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Msg;
import dev.spc.server.loop.Reply;
import dev.spc.server.store.JobStore;
import dev.spc.server.store.StoreWriter;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A running coordinator: the event loop plus the gRPC server in front of it (JobService,
 * AdminService, WorkerService, health, reflection v1 and v1alpha).
 */
public final class CoordinatorServer implements AutoCloseable {
  private static final Log log = Log.get(CoordinatorServer.class);

  private final EventLoop loop;
  private final Server server;
  private final @Nullable JobStore store;
  private final boolean ownsStore;
  private final @Nullable StoreWriter writer;
  private final HealthStatusManager health = new HealthStatusManager();
  private final @Nullable TlsFiles tls;
  private final boolean ownsTls;
  private volatile boolean stopped;
  /** The client-facing services, served on the network and, for the HTTP port, in process. */
  private final java.util.List<io.grpc.ServerServiceDefinition> clients;
  private final @Nullable HttpSpec http;
  private volatile @Nullable HttpFront httpFront;
  private final @Nullable CoordinatorMetrics metrics;

  private record HttpSpec(String bind, int port, @Nullable TokenFile tokens, int maxBody) {}

  private CoordinatorServer(Builder b) throws JobStore.StoreException {
    Coordinator coordinator;
    if (b.dataDir == null && b.store == null) {
      store = null;
      writer = null;
      ownsStore = false;
      coordinator = new Coordinator(b.config, b.clock);
    } else {
      ownsStore = b.store == null;
      store = b.store != null ? b.store
          : dev.spc.server.store.StoreEngine.open(java.util.Objects.requireNonNull(b.dataDir), b.engine);
      JobStore.Recovered r = store.load();
      String incarnation = r.incarnation();
      if (incarnation == null) {
        store.saveIncarnation(Coordinator.newIncarnation(b.clock));
        incarnation = java.util.Objects.requireNonNull(store.load().incarnation(),
            "the store keeps the incarnation it was given");
      }
      long term = b.config.epoch() > 0 ? b.config.epoch() : store.nextTerm();
      writer = new StoreWriter(store);
      try {
        coordinator = new Coordinator(b.config, b.clock, new java.util.SplittableRandom(), writer,
            incarnation, term, r.jobs(), r.schedules(), r.settings());
      } catch (JobStore.Unreadable e) {
        throw e.store();
      }
    }
    this.loop = new EventLoop(coordinator, b.clock, b.tickInterval);
    CoordinatorMetrics m = b.httpPort < 0 ? null : new CoordinatorMetrics(this.loop::snapshot);
    this.metrics = m;
    if (m != null) {
      loop.metrics(m);
    }
    if (writer != null) {
      writer.start(new StoreWriter.Listener() {
        @Override
        public void committed(long upTo) {
          loop.post(new Msg.Committed(upTo));
        }

        @Override
        public void failed(long upTo, String error) {
          loop.post(new Msg.CommitFailed(upTo, error));
        }

        @Override
        public void timed(int rows, long nanos) {
          if (m != null) {
            m.committed(rows, nanos);
          }
        }
      });
    }
    this.tls = b.tls;
    this.ownsTls = b.ownsTls;
    ServerBuilder<?> sb = b.serverBuilder != null ? b.serverBuilder
        : networkServer(b.bind, b.port, b.tls, b.tokens, b.ioThreads);
    if (b.serverBuilder != null && b.tokens != null) {
      sb.intercept(new AuthInterceptor(b.tokens, false));
    }
    Supplier<Cluster> cluster = b.cluster != null ? b.cluster : () -> Cluster.newBuilder()
        .setLeader(b.bind + ":" + port()).setRole("leader").setSelf(b.bind + ":" + port())
        .addMembers(ClusterMember.newBuilder().setAddress(b.bind + ":" + port()).setRole("leader"))
        .build();
    PeerInterceptor peers = new PeerInterceptor();
    io.grpc.ServerInterceptor[] around = {peers};
    if (m != null) {
      sb.addStreamTracerFactory(m.grpc());
    }
    this.clients = java.util.List.of(intercept(new JobServiceImpl(loop), around),
        intercept(new AdminServiceImpl(loop, cluster), around),
        intercept(new dev.spc.server.grpc.ScheduleServiceImpl(loop), around));
    this.http = b.httpPort < 0 ? null : new HttpSpec(b.bind, b.httpPort, b.tokens,
        b.config.maxInboundMessageBytes());
    // Every handler only posts to the loop and returns: no need for a thread hop.
    sb.directExecutor().maxInboundMessageSize(b.config.maxInboundMessageBytes());
    clients.forEach(sb::addService);
    this.server = sb
        .addService(intercept(new WorkerServiceImpl(loop, b.clock), around))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(legacyReflection())
        .build();
  }

  /**
   * A Netty server on {@code bind:port}, with TLS if {@code tls} and callers checked if there are
   * tokens or client certificates, its connections on {@code ioThreads} threads (0: {@link
   * IoThreads#auto}): the listener every coordinator role (leader, standby) uses.
   */
  public static ServerBuilder<?> networkServer(String bind, int port, @Nullable TlsFiles tls,
      @Nullable TokenFile tokens, int ioThreads) {
    InetSocketAddress address = new InetSocketAddress(bind, port);
    ServerBuilder<?> sb = IoThreads.apply(tls == null ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, tls.serverCredentials()), ioThreads)
        // Agents that cannot use TCP_USER_TIMEOUT ping instead (see AgentTransport).
        .permitKeepAliveTime(500, TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(true);
    boolean certificates = tls != null && tls.mutual();
    if (tokens != null || certificates) {
      sb.intercept(new AuthInterceptor(tokens, certificates));
    }
    return sb;
  }

  @SuppressWarnings("deprecation") // v1alpha: still what many grpcurl builds ask for
  public static BindableService legacyReflection() {
    return ProtoReflectionService.newInstance();
  }

  private static io.grpc.ServerServiceDefinition intercept(BindableService s,
      io.grpc.ServerInterceptor... i) {
    return ServerInterceptors.intercept(s, i);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** Starts the loop and the server. */
  public CoordinatorServer start() throws IOException {
    loop.start();
    server.start();
    HttpSpec h = http;
    if (h != null) {
      try {
        CoordinatorMetrics m = metrics;
        HttpFront front = HttpFront.start(h.bind(), h.port(), tls, h.tokens(), clients, null,
            m == null ? null : m.grpc(), h.maxBody());
        if (m != null) {
          m.serveOn(front.gateway());
        }
        httpFront = front;
      } catch (IOException e) {
        server.shutdownNow();
        try {
          loop.close();
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("cannot serve HTTP on " + h.bind() + ":" + h.port() + ": "
            + e.getMessage(), e);
      }
    }
    if (tls != null && ownsTls) {
      tls.onEvent(TlsFiles.logTo(log)).watch();
    }
    health.setStatus("", ServingStatus.SERVING);
    return this;
  }

  /** The HTTP port (API, metrics), or -1 when there is none. */
  public int httpPort() {
    HttpFront f = httpFront;
    return f == null ? -1 : f.port();
  }

  /** The HTTP port's gateway, to mount pages on; null when there is none. */
  public dev.spc.server.http.@Nullable HttpGateway http() {
    HttpFront f = httpFront;
    return f == null ? null : f.gateway();
  }

  /** The port the server listens on (the real one when started on port 0). */
  public int port() {
    return server.getPort();
  }

  /**
   * Stops: health goes NOT_SERVING, submits and waits are refused, agents are told, in-flight
   * calls finish, then the server and the loop stop.
   */
  public void shutdown(Duration grace) throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    health.enterTerminalState();
    closeHttp();
    CompletableFuture<@Nullable Boolean> done = new CompletableFuture<>();
    loop.post(new Msg.Shutdown(Reply.completing(done)));
    try {
      done.get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("loop did not acknowledge shutdown in time");
    }
    server.shutdown();
    if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
      server.awaitTermination(1, TimeUnit.SECONDS);
    }
    loop.close();
    if (tls != null && ownsTls) {
      tls.close();
    }
    JobStore s = store;
    if (writer != null && s != null) {
      writer.close();
      if (ownsStore) {
        try {
          s.close();
        } catch (JobStore.StoreException e) {
          log.warn("closing the store failed", "error", String.valueOf(e.getMessage()));
        }
      }
    }
  }

  /**
   * Stops at once, telling nobody: a deposed leader's way out (crash-only). Open calls and agent
   * streams are cut, so clients and agents go and find the new leader; nothing queued for the
   * store is written (it would be refused anyway).
   */
  public void abandon() throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    health.enterTerminalState();
    closeHttp();
    server.shutdownNow();
    loop.close();
    if (tls != null && ownsTls) {
      tls.close();
    }
    if (writer != null) {
      writer.close();
    }
    server.awaitTermination(2, TimeUnit.SECONDS);
  }

  private void closeHttp() {
    HttpFront f = httpFront;
    if (f != null) {
      f.close();
    }
    CoordinatorMetrics m = metrics;
    if (m != null) {
      m.close();
    }
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ofSeconds(5));
  }

  /**
   * Refuses a non-loopback {@code bind} without TLS and a way to identify callers (tokens or client
   * certificates), unless {@code insecure}.
   */
  public static void requireSecured(String bind, @Nullable TlsFiles tls, @Nullable TokenFile tokens,
      boolean insecure) throws IOException {
    boolean secured = tls != null && (tokens != null || tls.mutual());
    if (!insecure && !secured && !isLoopback(bind)) {
      throw new IOException("refusing to listen on " + bind + " without security: anyone who"
          + " reaches it could run jobs. Give --tls-cert and --tls-key with --tokens-file or"
          + " --client-ca (README: Security), or --insecure on a network you trust");
    }
  }

  /** Whether {@code host} is (or resolves to) a loopback address. */
  public static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Builder for {@link CoordinatorServer}. */
  public static final class Builder {
    private CoordinatorConfig config = CoordinatorConfig.defaults();
    private Clock clock = Clock.system();
    private String bind = "127.0.0.1";
    private int port = 7070;
    private int httpPort = -1;
    private int ioThreads;
    private Duration tickInterval = Duration.ofMillis(10);
    private @Nullable ServerBuilder<?> serverBuilder;
    private java.nio.file.@Nullable Path dataDir;
    private dev.spc.server.store.@Nullable StoreEngine engine;
    private @Nullable TokenFile tokens;
    private @Nullable TlsFiles tls;
    private boolean insecure;
    private @Nullable JobStore store;
    private @Nullable Supplier<Cluster> cluster;
    private boolean ownsTls = true;

    private Builder() {}

    /**
     * Keep jobs in this store, which the caller owns (a cluster's shared PostgreSQL store): the
     * server reads it at build and writes to it, but does not close it.
     */
    public Builder store(@Nullable JobStore store) {
      this.store = store;
      return this;
    }

    /** What AdminService/GetCluster answers (default: this coordinator alone, leading). */
    public Builder cluster(@Nullable Supplier<Cluster> cluster) {
      this.cluster = cluster;
      return this;
    }

    /** Whether the server watches and closes its TLS files (default) or the caller does. */
    public Builder ownsTls(boolean owns) {
      this.ownsTls = owns;
      return this;
    }

    /**
     * Serve TLS with these files (the server watches them for changes and closes them when it
     * stops); with a client CA, clients must present a certificate, and its subject names their
     * role ({@link dev.spc.server.auth.CertificateIdentity}). Null (the default): plaintext.
     */
    public Builder tls(@Nullable TlsFiles tls) {
      this.tls = tls;
      return this;
    }

    /**
     * Listen on a non-loopback address without TLS and credentials. Off by default: such a
     * coordinator lets anyone who reaches the port run jobs.
     */
    public Builder insecure(boolean insecure) {
      this.insecure = insecure;
      return this;
    }

    /**
     * Accept only calls with a bearer token from this file, each as its role allows (null, the
     * default: no credentials are asked for).
     */
    public Builder tokens(@Nullable TokenFile tokens) {
      this.tokens = tokens;
      return this;
    }

    /**
     * Keep jobs durably in this directory, in the engine it holds (a new one: the log store); null
     * (the default) keeps them in memory.
     */
    public Builder dataDir(java.nio.file.@Nullable Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** The engine of {@link #dataDir}: null (the default) for the one it holds, log if new. */
    public Builder storeEngine(dev.spc.server.store.@Nullable StoreEngine engine) {
      this.engine = engine;
      return this;
    }

    public Builder config(CoordinatorConfig config) {
      this.config = config;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Address to listen on (default 127.0.0.1). */
    public Builder bind(String bind) {
      this.bind = bind;
      return this;
    }

    /** Port to listen on, 0 for any free one (default 7070). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Also serve the HTTP/JSON API (and metrics) on this port of the same address, 0 for any free
     * one; -1 (the default) for none.
     */
    public Builder httpPort(int port) {
      if (port < -1 || port > 65535) {
        throw new IllegalArgumentException("http port must be between 0 and 65535, got " + port);
      }
      this.httpPort = port;
      return this;
    }

    /** Threads for the gRPC connections, 0 for {@link IoThreads#auto} (ignored with {@link #serverBuilder}). */
    public Builder ioThreads(int threads) {
      this.ioThreads = IoThreads.checked(threads);
      return this;
    }

    public Builder tickInterval(Duration tick) {
      this.tickInterval = tick;
      return this;
    }

    /** Serve on this builder instead (an in-process one in tests). */
    public Builder serverBuilder(ServerBuilder<?> sb) {
      this.serverBuilder = sb;
      return this;
    }

    /**
     * Builds the server; in durable mode, opens the store and recovers what it holds. Refuses a
     * non-loopback address without TLS and credentials unless {@link #insecure} says so.
     */
    public CoordinatorServer build() throws IOException {
      if (serverBuilder == null) {
        requireSecured(bind, tls, tokens, insecure);
      }
      try {
        return new CoordinatorServer(this);
      } catch (JobStore.StoreException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }
}
