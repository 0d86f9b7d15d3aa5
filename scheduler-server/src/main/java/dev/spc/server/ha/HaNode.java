package dev.spc.server.ha;

import dev.spc.common.Log;
import dev.spc.proto.Cluster;
import dev.spc.proto.TlsFiles;
import dev.spc.server.CoordinatorServer;
import dev.spc.server.auth.TokenFile;
import dev.spc.server.grpc.IoThreads;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.store.JobStore;
import dev.spc.server.store.PostgresJobStore;
import io.grpc.Server;
import java.io.IOException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One coordinator of a cluster sharing a PostgreSQL store: a standby until it wins the leadership
 * lease, then a full coordinator on the same port, then, the moment it loses the lease, a standby
 * again. Crash-only: leading starts from what the store holds and stopping keeps nothing, so a
 * deposed leader's state can never leak into what it does next.
 *
 * <p>Every change of role happens on one thread, in the order the leadership reported it.
 */
public final class HaNode implements AutoCloseable {
  private static final Log log = Log.get(HaNode.class);

  private final Builder b;
  private final PostgresJobStore store;
  private final Leadership leadership;
  private final ExecutorService roleThread;
  private final CountDownLatch closedLatch = new CountDownLatch(1);
  private int port;
  private String advertise;
  private @Nullable Server standby;
  /** The standby's HTTP port (when there is one): refuses as the gRPC port does, naming the leader. */
  private dev.spc.server.http.@Nullable HttpFront standbyHttp;
  private @Nullable CoordinatorServer leader;
  private volatile boolean closed;

  private HaNode(Builder b) throws IOException {
    this.b = b;
    String holder = b.advertise + "#" + HexFormat.of().formatHex(
        java.nio.ByteBuffer.allocate(4).putInt(new java.security.SecureRandom().nextInt()).array());
    try {
      this.store = PostgresJobStore.open(b.storeUrl, holder);
    } catch (JobStore.StoreException e) {
      throw new IOException(e.getMessage(), e);
    }
    this.roleThread = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("spc-ha-role").daemon(true).factory());
    this.leadership = new Leadership(store.dataSource(), holder, b.advertise, b.lease,
        new Leadership.Listener() {
          @Override
          public void elected(long epoch) {
            roleThread.execute(() -> lead(epoch));
          }

          @Override
          public void deposed(long epoch, String why) {
            roleThread.execute(() -> standBy(epoch));
          }
        });
    store.onFenced(why -> leadership.resign("a commit was refused: " + why));
    this.port = b.port;
    this.advertise = b.advertise;
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** Binds the port as a standby and starts campaigning. */
  public HaNode start() throws IOException {
    if (b.tls != null) {
      b.tls.onEvent(TlsFiles.logTo(log)).watch();
    }
    Server s = standbyServer();
    s.start();
    port = s.getPort();
    standby = s;
    startStandbyHttp();
    if (advertise.endsWith(":0")) {
      advertise = advertise.substring(0, advertise.length() - 1) + port;
      leadership.advertise(advertise);
    }
    log.info("coordinator standing by", "address", advertise, "store",
        PostgresJobStore.redact(b.storeUrl));
    leadership.start();
    return this;
  }

  /** The port listened on (the real one when started on port 0). */
  public int port() {
    return port;
  }

  /** Who leads, as this coordinator last read it. */
  public Cluster cluster() {
    return leadership.view();
  }

  private Server standbyServer() {
    return StandbyServer.build(CoordinatorServer.networkServer(b.bind, port, b.tls, b.tokens, b.ioThreads),
        leadership::view, leadership::storeProblem);
  }

  private void lead(long epoch) {
    if (closed || leadership.epoch() != epoch) {
      return; // deposed again before this ran
    }
    stopStandby();
    store.fence(epoch);
    try {
      CoordinatorServer s = CoordinatorServer.newBuilder()
          .config(b.config.withEpoch(epoch))
          .clock(b.clock)
          .bind(b.bind).port(port).httpPort(b.httpPort).ioThreads(b.ioThreads)
          .store(store)
          .tokens(b.tokens)
          .tls(b.tls).ownsTls(false)
          .insecure(true) // checked once for the node
          .cluster(leadership::view)
          .build();
      s.start();
      leader = s;
      log.info("coordinator leading", "epoch", epoch, "address", advertise);
    } catch (IOException | RuntimeException e) {
      log.warn("cannot lead; standing by again", "epoch", epoch, "error", String.valueOf(e.getMessage()));
      leadership.resign("could not start leading: " + e.getMessage());
      if (standby == null) {
        startStandby();
      }
    }
  }

  private void standBy(long epoch) {
    CoordinatorServer s = leader;
    leader = null;
    if (s != null) {
      try {
        s.abandon();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!closed) {
      startStandby();
      log.info("coordinator standing by", "address", advertise, "was_epoch", epoch);
    }
  }

  private void startStandby() {
    for (int attempt = 0; attempt < 50 && !closed; attempt++) {
      Server s = standbyServer();
      try {
        s.start();
        standby = s;
        startStandbyHttp();
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(100); // the old listener is still closing
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    log.warn("cannot listen as a standby; the port stays closed", "port", port);
  }

  /** Opens the HTTP port as a standby; a port still closing from the leader is tried again. */
  private void startStandbyHttp() {
    if (b.httpPort < 0) {
      return;
    }
    for (int attempt = 0; attempt < 50 && !closed; attempt++) {
      try {
        standbyHttp = StandbyServer.http(b.bind, b.httpPort, b.tls, b.tokens, leadership::view,
            leadership::storeProblem, b.config.maxInboundMessageBytes());
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    log.warn("cannot serve HTTP as a standby; the HTTP port stays closed", "port", b.httpPort);
  }

  private void stopStandby() {
    dev.spc.server.http.HttpFront h = standbyHttp;
    standbyHttp = null;
    if (h != null) {
      h.close();
    }
    Server s = standby;
    standby = null;
    if (s != null) {
      s.shutdownNow();
      try {
        s.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Blocks until {@link #close} has run. */
  public void awaitTermination() throws InterruptedException {
    closedLatch.await();
  }

  /**
   * Stops: a leader hands the lease back at once (so a standby takes over without waiting for it
   * to expire) and tells its agents, as a single coordinator does on SIGTERM.
   */
  @Override
  public void close() throws InterruptedException {
    if (closed) {
      return;
    }
    closed = true;
    var unused = roleThread.submit(() -> {
      CoordinatorServer s = leader;
      leader = null;
      leadership.close();
      if (s != null) {
        try {
          s.shutdown(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        leadership.release();
      }
      stopStandby();
      store.close();
      if (b.tls != null) {
        b.tls.close();
      }
    });
    roleThread.shutdown();
    roleThread.awaitTermination(20, TimeUnit.SECONDS);
    closedLatch.countDown();
  }

  /** Builder for {@link HaNode}. */
  public static final class Builder {
    private String storeUrl = "";
    private String bind = "127.0.0.1";
    private int port = 7070;
    private int httpPort = -1;
    private int ioThreads;
    private String advertise = "";
    private CoordinatorConfig config = CoordinatorConfig.defaults();
    private Clock clock = Clock.system();
    private Duration lease = Duration.ofSeconds(2);
    private @Nullable TlsFiles tls;
    private @Nullable TokenFile tokens;

    private Builder() {}

    /** {@code jdbc:postgresql://HOST:PORT/DB?user=U}. */
    public Builder store(String jdbcUrl) {
      this.storeUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      return this;
    }

    public Builder bind(String bind) {
      this.bind = bind;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Threads for the gRPC connections, 0 for one per four cores ({@link IoThreads#auto}). */
    public Builder ioThreads(int threads) {
      this.ioThreads = IoThreads.checked(threads);
      return this;
    }

    /**
     * The HTTP port (0 for any free one, -1 for none): the API while the node leads; as a standby,
     * 503 naming the leader.
     */
    public Builder httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /**
     * The address others are sent to when this coordinator leads ({@code HOST:PORT}); default the
     * bind address and port (required with a wildcard bind).
     */
    public Builder advertise(String address) {
      this.advertise = address;
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

    /** How long a leadership lease lasts without renewal (default 2s). */
    public Builder lease(Duration lease) {
      if (lease.compareTo(Duration.ofMillis(500)) < 0 || lease.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("leader lease must be between 500ms and 1m, got " + lease);
      }
      this.lease = lease;
      return this;
    }

    public Builder tls(@Nullable TlsFiles tls) {
      this.tls = tls;
      return this;
    }

    public Builder tokens(@Nullable TokenFile tokens) {
      this.tokens = tokens;
      return this;
    }

    public HaNode build() throws IOException {
      if (advertise.isEmpty()) {
        if (bind.equals("0.0.0.0") || bind.equals("::")) {
          throw new IllegalArgumentException("--advertise HOST:PORT is required with --store and a"
              + " wildcard --bind: the address clients and agents are sent to when this"
              + " coordinator leads");
        }
        advertise = (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + port;
      }
      return new HaNode(this);
    }
  }
}
