package dev.spc.client.internal;

import dev.spc.common.Log;
import dev.spc.proto.ClientTls;
import dev.spc.proto.LeaderFollowingChannel;
import dev.spc.proto.TlsFiles;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a client reaches the coordinator: the channel it calls on, and what it must close. One
 * target is one channel; several (a cluster) are a {@link LeaderFollowingChannel} that follows
 * the leader.
 */
public final class Connection implements AutoCloseable {
  private static final Log log = Log.get(Connection.class);
  private static final int MAX_INBOUND = 16 << 20;

  private final Channel channel;
  private final boolean owned;
  private final @Nullable TlsFiles tlsFiles;

  private Connection(Channel channel, boolean owned, @Nullable TlsFiles tlsFiles) {
    this.channel = channel;
    this.owned = owned;
    this.tlsFiles = tlsFiles;
  }

  /** A channel the caller owns and closes. */
  public static Connection over(Channel channel) {
    return new Connection(channel, false, null);
  }

  /** Dials {@code target} ({@code host:port}, or several comma-separated), secured as {@code tls} says. */
  public static Connection open(String target, ClientTls tls) {
    ClientTls.Opened opened = tls.open(TlsFiles.logTo(log));
    Function<String, ManagedChannel> open = address ->
        Grpc.newChannelBuilder(address, opened.credentials())
            .maxInboundMessageSize(MAX_INBOUND)
            .intercept(opened.explainer())
            .build();
    List<String> targets = LeaderFollowingChannel.parse(target);
    Channel ch = targets.size() > 1 ? new LeaderFollowingChannel(targets, open)
        : open.apply(targets.isEmpty() ? target : targets.get(0));
    return new Connection(ch, true, opened.files());
  }

  public Channel channel() {
    return channel;
  }

  /** Whether calls go to a cluster of coordinators (and are retried while it changes leader). */
  public boolean cluster() {
    return channel instanceof LeaderFollowingChannel;
  }

  /** Closes what this connection opened; a caller's channel stays open. */
  @Override
  public void close() {
    if (owned && channel instanceof ManagedChannel m) {
      m.shutdown();
      try {
        if (!m.awaitTermination(5, TimeUnit.SECONDS)) {
          m.shutdownNow();
        }
      } catch (InterruptedException e) {
        m.shutdownNow();
        Thread.currentThread().interrupt();
      }
    } else if (owned && channel instanceof LeaderFollowingChannel c) {
      c.close();
    }
    if (tlsFiles != null) {
      tlsFiles.close();
    }
  }
}
