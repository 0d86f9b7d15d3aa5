package dev.spc.server.testing;

import dev.spc.server.CoordinatorServer;
import dev.spc.server.loop.CoordinatorConfig;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A coordinator in this JVM behind the in-process transport, with channels to it that close with
 * it: the one fixture the SDK, gRPC and benchmark tests share (scheduler-server's test jar).
 */
public final class InProcessCoordinator implements AutoCloseable {
  private final String name = InProcessServerBuilder.generateName();
  private final CoordinatorServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private InProcessCoordinator(CoordinatorConfig cfg, Duration tick) throws Exception {
    server = CoordinatorServer.newBuilder()
        .config(cfg)
        .serverBuilder(InProcessServerBuilder.forName(name))
        .tickInterval(tick)
        .build()
        .start();
  }

  /** A started in-memory coordinator with these settings and the default 10 ms tick. */
  public static InProcessCoordinator start(CoordinatorConfig cfg) throws Exception {
    return new InProcessCoordinator(cfg, Duration.ofMillis(10));
  }

  /** Like {@link #start(CoordinatorConfig)} with a tick of its own (short for timing rules). */
  public static InProcessCoordinator start(CoordinatorConfig cfg, Duration tick) throws Exception {
    return new InProcessCoordinator(cfg, tick);
  }

  public CoordinatorServer server() {
    return server;
  }

  /** A new channel to the coordinator, closed with it. */
  public synchronized ManagedChannel channel() {
    ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
    channels.add(ch);
    return ch;
  }

  @Override
  public void close() throws Exception {
    server.shutdown(Duration.ofSeconds(2));
    synchronized (this) {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
    }
  }
}
