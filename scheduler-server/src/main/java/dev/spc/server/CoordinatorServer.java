package dev.spc.server;

import dev.spc.common.Log;
import dev.spc.proto.TlsFiles;
import dev.spc.server.auth.AuthInterceptor;
import dev.spc.server.auth.TokenFile;
import dev.spc.server.grpc.AdminServiceImpl;
import dev.spc.server.grpc.JobServiceImpl;
import dev.spc.server.grpc.PeerInterceptor;
import dev.spc.server.grpc.WorkerServiceImpl;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.Coordinator;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Msg;
import dev.spc.server.loop.Reply;
import dev.spc.server.store.JobStore;
import dev.spc.server.store.SqliteJobStore;
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
  private final @Nullable StoreWriter writer;
  private final HealthStatusManager health = new HealthStatusManager();
  private final @Nullable TlsFiles tls;
  private volatile boolean stopped;

  private CoordinatorServer(Builder b) throws JobStore.StoreException {
    Coordinator coordinator;
    if (b.dataDir == null) {
      store = null;
      writer = null;
      coordinator = new Coordinator(b.config, b.clock);
    } else {
      store = new SqliteJobStore(b.dataDir);
      JobStore.Recovered r = store.load();
      String incarnation = r.incarnation();
      if (incarnation == null) {
        incarnation = Coordinator.newIncarnation(b.clock);
        store.saveIncarnation(incarnation);
      }
      writer = new StoreWriter(store);
      coordinator = new Coordinator(b.config, b.clock, writer, incarnation, r.jobs());
    }
    this.loop = new EventLoop(coordinator, b.clock, b.tickInterval);
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
      });
    }
    this.tls = b.tls;
    ServerBuilder<?> sb;
    if (b.serverBuilder != null) {
      sb = b.serverBuilder;
    } else {
      InetSocketAddress address = new InetSocketAddress(b.bind, b.port);
      sb = (b.tls == null ? NettyServerBuilder.forAddress(address)
          : NettyServerBuilder.forAddress(address, b.tls.serverCredentials()))
          // Agents that cannot use TCP_USER_TIMEOUT ping instead (see AgentTransport).
          .permitKeepAliveTime(500, TimeUnit.MILLISECONDS)
          .permitKeepAliveWithoutCalls(true);
    }
    boolean certificates = b.tls != null && b.tls.mutual();
    if (b.tokens != null || certificates) {
      sb.intercept(new AuthInterceptor(b.tokens, certificates));
    }
    PeerInterceptor peers = new PeerInterceptor();
    this.server = sb
        // Every handler only posts to the loop and returns: no need for a thread hop.
        .directExecutor()
        .maxInboundMessageSize(b.config.maxInboundMessageBytes())
        .addService(intercept(new JobServiceImpl(loop), peers))
        .addService(intercept(new AdminServiceImpl(loop), peers))
        .addService(intercept(new WorkerServiceImpl(loop, b.clock), peers))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(legacyReflection())
        .build();
  }

  @SuppressWarnings("deprecation") // v1alpha: still what many grpcurl builds ask for
  private static BindableService legacyReflection() {
    return ProtoReflectionService.newInstance();
  }

  private static io.grpc.ServerServiceDefinition intercept(BindableService s, PeerInterceptor i) {
    return ServerInterceptors.intercept(s, i);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** Starts the loop and the server. */
  public CoordinatorServer start() throws IOException {
    loop.start();
    server.start();
    if (tls != null) {
      tls.onEvent(TlsFiles.logTo(log)).watch();
    }
    health.setStatus("", ServingStatus.SERVING);
    return this;
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
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.post(new Msg.Shutdown(new Reply<>() {
      @Override
      public void ok(Boolean value) {
        done.complete(null);
      }

      @Override
      public void fail(Failure failure) {
        done.complete(null);
      }
    }));
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
    if (tls != null) {
      tls.close();
    }
    JobStore s = store;
    if (writer != null && s != null) {
      writer.close();
      try {
        s.close();
      } catch (JobStore.StoreException e) {
        log.warn("closing the store failed", "error", String.valueOf(e.getMessage()));
      }
    }
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ofSeconds(5));
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
    private Duration tickInterval = Duration.ofMillis(10);
    private @Nullable ServerBuilder<?> serverBuilder;
    private java.nio.file.@Nullable Path dataDir;
    private @Nullable TokenFile tokens;
    private @Nullable TlsFiles tls;
    private boolean insecure;

    private Builder() {}

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

    /** Keep jobs durably in this directory (SQLite); null (the default) keeps them in memory. */
    public Builder dataDir(java.nio.file.@Nullable Path dir) {
      this.dataDir = dir;
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

    public Builder tickInterval(Duration tick) {
      this.tickInterval = tick;
      return this;
    }

    /** Serve on this builder instead (an in-process one in tests). */
    public Builder serverBuilder(ServerBuilder<?> sb) {
      this.serverBuilder = sb;
      return this;
    }

    private boolean secured() {
      return tls != null && (tokens != null || tls.mutual());
    }

    /**
     * Builds the server; in durable mode, opens the store and recovers what it holds. Refuses a
     * non-loopback address without TLS and credentials unless {@link #insecure} says so.
     */
    public CoordinatorServer build() throws IOException {
      if (serverBuilder == null && !insecure && !secured() && !isLoopback(bind)) {
        throw new IOException("refusing to listen on " + bind + " without security: anyone who"
            + " reaches it could run jobs. Give --tls-cert and --tls-key with --tokens-file or"
            + " --client-ca (README: Security), or --insecure on a network you trust");
      }
      try {
        return new CoordinatorServer(this);
      } catch (JobStore.StoreException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }
}
