package dev.spc.server.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The threads that carry a coordinator's gRPC connections (reading, writing, HTTP/2), shared by
 * every server of the process.
 *
 * <p>gRPC's default is two threads per core. Every handler here only posts to the event loop, and
 * the loop hands each reply and lease back to a connection's thread, so with more threads than
 * the work needs, messages wake threads one by one: at 10,000 single submits a second on two
 * cores, four threads cost the coordinator 61-64 % of a core and one 53-54 %, the difference
 * spent switching threads, while a burn-down of 280,000 jobs a second ran as fast on one. So: one
 * thread per four cores, at least one ({@code --io-threads} to change it).
 */
public final class IoThreads {
  private static final Map<Integer, EventLoopGroup> WORKERS = new ConcurrentHashMap<>();

  private IoThreads() {}

  /** The threads used when none are asked for: one per four cores, at least one. */
  public static int auto(int cores) {
    return Math.max(1, cores / 4);
  }

  /** {@code threads} if it is a count a server takes (0 for {@link #auto}, or more). */
  public static int checked(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("io threads must be 0 (automatic) or more, got " + threads);
    }
    return threads;
  }

  /** {@code requested} if positive, else {@link #auto} for this machine. */
  public static int resolve(int requested) {
    return requested > 0 ? requested : auto(Runtime.getRuntime().availableProcessors());
  }

  /** Puts {@code builder}'s connections on {@code threads} shared threads (0: {@link #auto}). */
  public static NettyServerBuilder apply(NettyServerBuilder builder, int threads) {
    int n = resolve(threads);
    return builder.bossEventLoopGroup(Accept.GROUP)
        .workerEventLoopGroup(WORKERS.computeIfAbsent(n, k -> group(k, "spc-io-")))
        .channelType(channelType());
  }

  /** The thread that accepts connections, made when first needed. */
  private static final class Accept {
    static final EventLoopGroup GROUP = group(1, "spc-accept-");
  }

  @SuppressWarnings("deprecation") // the group types grpc-netty-shaded's builder takes
  private static EventLoopGroup group(int threads, String name) {
    ThreadFactory f = Thread.ofPlatform().name(name, 0).daemon(true).factory();
    return Epoll.isAvailable() ? new EpollEventLoopGroup(threads, f) : new NioEventLoopGroup(threads, f);
  }

  private static Class<? extends ServerChannel> channelType() {
    return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
