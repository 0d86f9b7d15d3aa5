package dev.spc.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.server.CoordinatorServer;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The coordinator's connection threads: how many, and that calls are carried on them. */
class IoThreadsTest {
  @Test
  void onePerFourCoresAtLeastOne() {
    assertEquals(1, IoThreads.auto(1));
    assertEquals(1, IoThreads.auto(2));
    assertEquals(1, IoThreads.auto(7));
    assertEquals(2, IoThreads.auto(8));
    assertEquals(16, IoThreads.auto(64));
    assertEquals(3, IoThreads.resolve(3));
    assertEquals(IoThreads.auto(Runtime.getRuntime().availableProcessors()), IoThreads.resolve(0));
  }

  @Test
  void aNegativeCountIsRefusedByName() {
    var e = assertThrows(IllegalArgumentException.class, () -> CoordinatorServer.newBuilder().ioThreads(-1));
    assertTrue(e.getMessage().contains("io threads"), e.getMessage());
  }

  @Test
  void callsOfSeveralServersAreCarriedOnTheSharedThreads() throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    ServerInterceptor where = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          public void onHalfClose() {
            seen.add(Thread.currentThread().getName());
            super.onHalfClose();
          }
        };
      }
    };
    Server a = serve(where);
    Server b = serve(where);
    try {
      for (Server s : new Server[] {a, b}) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.getPort()).usePlaintext().build();
        try {
          for (int i = 0; i < 5; i++) {
            HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
          }
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } finally {
      a.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      b.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertTrue(!seen.isEmpty() && seen.stream().allMatch(n -> n.startsWith("spc-io-")), seen.toString());
    assertTrue(seen.size() <= 2, "two threads carry both servers: " + seen);
  }

  private static Server serve(ServerInterceptor where) throws java.io.IOException {
    return CoordinatorServer.networkServer("127.0.0.1", 0, null, null, 2).directExecutor()
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), where))
        .build().start();
  }
}
