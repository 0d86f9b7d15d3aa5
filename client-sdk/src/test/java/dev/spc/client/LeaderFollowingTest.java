package dev.spc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.GetStatsRequest;
import dev.spc.proto.LeaderFollowingChannel;
import dev.spc.proto.LeaderHint;
import dev.spc.proto.Stats;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client of a cluster goes where a standby's refusal points, and past a coordinator that is gone. */
class LeaderFollowingTest {
  private final List<Server> servers = new ArrayList<>();
  private final String prefix = "lf-" + System.nanoTime() + "-";

  @AfterEach
  void stop() {
    servers.forEach(Server::shutdownNow);
  }

  /** A coordinator at {@code name} that answers GetStats, or refuses it naming {@code leader}. */
  AtomicInteger coordinator(String name, String leader) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    servers.add(InProcessServerBuilder.forName(prefix + name).directExecutor()
        .addService(new AdminServiceGrpc.AdminServiceImplBase() {
          @Override
          public void getStats(GetStatsRequest req, StreamObserver<Stats> out) {
            calls.incrementAndGet();
            if (leader != null) {
              out.onError(LeaderHint.refusal(prefix + leader, 3, null)
                  .asRuntimeException(LeaderHint.trailers(prefix + leader)));
            } else {
              out.onNext(Stats.newBuilder().setPending(7).build());
              out.onCompleted();
            }
          }
        }).build().start());
    return calls;
  }

  SpcClient client(LeaderFollowingChannel ch) {
    return SpcClient.newBuilder().channel(ch).submitRetryTimeout(Duration.ofSeconds(10)).build();
  }

  static LeaderFollowingChannel channel(List<String> addresses) {
    return new LeaderFollowingChannel(addresses, a -> InProcessChannelBuilder.forName(a).directExecutor().build());
  }

  @Test
  void aStandbysRefusal_sendsCallsToTheLeaderItNames() throws Exception {
    AtomicInteger standby = coordinator("a", "b");
    AtomicInteger leader = coordinator("b", null);
    try (LeaderFollowingChannel ch = channel(List.of(prefix + "a", prefix + "b"))) {
      SpcClient c = client(ch);
      assertEquals(7, c.stats().pending());
      assertEquals(prefix + "b", ch.current());
      assertEquals(1, standby.get());
      assertEquals(7, c.stats().pending());
      assertEquals(1, standby.get(), "later calls go straight to the leader");
      assertEquals(2, leader.get());
    }
  }

  @Test
  void aCoordinatorThatIsGone_isPassedOver() throws Exception {
    coordinator("live", null);
    try (LeaderFollowingChannel ch = channel(List.of(prefix + "gone", prefix + "live"))) {
      assertEquals(7, client(ch).stats().pending());
      assertEquals(prefix + "live", ch.current());
    }
  }

  @Test
  void aLeaderNotInTheList_isFollowedToo() throws Exception {
    coordinator("a", "elsewhere");
    coordinator("elsewhere", null);
    try (LeaderFollowingChannel ch = channel(List.of(prefix + "a"))) {
      assertEquals(7, client(ch).stats().pending());
      assertEquals(prefix + "elsewhere", ch.current());
    }
  }
}
