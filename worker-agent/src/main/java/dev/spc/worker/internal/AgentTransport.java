package dev.spc.worker.internal;

import dev.spc.proto.ClientTls;
import dev.spc.proto.LeaderFollowingChannel;
import dev.spc.proto.TlsFiles;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The agent's connection to the coordinator, and how it tells a cut-off network from a paused
 * coordinator.
 *
 * <p>The agent sends a heartbeat every interval, so there is always fresh data on the wire. On
 * Linux the socket's {@code TCP_USER_TIMEOUT} fails the connection when that data stays
 * unacknowledged for the given time: a partition (nothing comes back) breaks the stream, while a
 * coordinator that is only paused (GC, {@code SIGSTOP}) keeps it, because its host's TCP stack
 * still acknowledges. The timeout follows the coordinator's heartbeat settings, learnt at
 * registration and applied to the live socket at once. Elsewhere HTTP/2 pings do the job, less
 * precisely: gRPC sends them at most every 10 s. TLS changes none of this: it runs over the
 * same socket, so the same timeout applies to its records.
 */
public final class AgentTransport implements AutoCloseable {
  private static final int MAX_INBOUND = 8 << 20;

  private final Channel channel;
  private final List<ManagedChannel> opened = new CopyOnWriteArrayList<>();
  private final @Nullable EventLoopGroup group;
  private final @Nullable TlsFiles tlsFiles;
  private final Set<EpollSocketChannel> sockets = ConcurrentHashMap.newKeySet();
  private volatile int userTimeoutMs;

  /**
   * A channel to {@code target} whose sockets give up after {@code userTimeout} of silence,
   * secured as {@code security} says (its TLS files, if any, are closed with the transport).
   * Several targets, comma-separated, are a cluster of coordinators: the channel follows the
   * leader ({@link LeaderFollowingChannel}).
   */
  @SuppressWarnings("deprecation") // EpollEventLoopGroup: what grpc-netty-shaded's channel builder takes
  public AgentTransport(String target, Duration userTimeout, ClientTls.Opened security) {
    this.userTimeoutMs = (int) userTimeout.toMillis();
    this.tlsFiles = security.files();
    this.group = Epoll.isAvailable() ? new EpollEventLoopGroup(1,
        Thread.ofPlatform().name("spc-agent").daemon(true).factory()) : null;
    List<String> targets = LeaderFollowingChannel.parse(target);
    if (targets.size() > 1) {
      channel = new LeaderFollowingChannel(targets, t -> open(t, userTimeout, security));
    } else {
      channel = open(targets.isEmpty() ? target : targets.get(0), userTimeout, security);
    }
  }

  private ManagedChannel open(String target, Duration userTimeout, ClientTls.Opened security) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target, security.credentials())
        .intercept(security.explainer())
        .maxInboundMessageSize(MAX_INBOUND)
        // The stream's callbacks only post to the agent thread: run them on the I/O thread
        // rather than waking a pooled thread for every message first.
        .directExecutor();
    EventLoopGroup g = group;
    if (g != null) {
      b.eventLoopGroup(g).channelFactory(() -> {
        EpollSocketChannel ch = new EpollSocketChannel();
        ch.config().setTcpUserTimeout(userTimeoutMs);
        sockets.removeIf(s -> !s.isOpen());
        sockets.add(ch);
        return ch;
      });
    } else {
      b.keepAliveTime(1, TimeUnit.SECONDS) // gRPC raises this to its 10 s minimum
          .keepAliveTimeout(userTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveWithoutCalls(true);
    }
    ManagedChannel c = b.build();
    opened.add(c);
    return c;
  }

  public Channel channel() {
    return channel;
  }

  /** The coordinator new streams go to (of a cluster: the one believed to lead). */
  public String current() {
    return channel instanceof LeaderFollowingChannel c ? c.current() : channel.authority();
  }

  /** New streams go to another coordinator of the cluster than {@code address}, if there is one. */
  public void avoid(String address) {
    if (channel instanceof LeaderFollowingChannel c) {
      c.avoid(address);
    }
  }

  /**
   * Connections that failed wait out gRPC's own reconnect backoff (up to two minutes) before the
   * next try, and calls fail fast meanwhile: cut that short, so a stream opened now connects now.
   */
  public void connectNow() {
    for (ManagedChannel c : opened) {
      c.resetConnectBackoff();
    }
  }

  /** Sets the silence allowed, for the live sockets and every later one. */
  public void userTimeout(Duration timeout) {
    int ms = (int) Math.max(1, timeout.toMillis());
    userTimeoutMs = ms;
    for (EpollSocketChannel ch : sockets) {
      if (ch.isOpen()) {
        try {
          ch.config().setTcpUserTimeout(ms);
        } catch (RuntimeException e) {
          // the socket closed meanwhile; the next one gets the new value
        }
      }
    }
  }

  /**
   * The transport's own I/O thread, when it has one (epoll), for the agent to run on too: a lease
   * then reaches the agent's state, and its result leaves, without waking a second thread. Gone
   * once the transport is closed.
   */
  public java.util.concurrent.@Nullable ScheduledExecutorService thread() {
    EventLoopGroup g = group;
    return g == null ? null : g.next();
  }

  /**
   * Lets the last writes (results, the half-close) reach the coordinator, for up to
   * {@code patience}, then closes the channels and their threads.
   */
  public void close(Duration patience) {
    for (ManagedChannel c : opened) {
      c.shutdown();
    }
    long deadline = System.nanoTime() + patience.toNanos();
    for (ManagedChannel c : opened) {
      try {
        if (!c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        c.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (group != null) {
      var unused = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (tlsFiles != null) {
      tlsFiles.close();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
