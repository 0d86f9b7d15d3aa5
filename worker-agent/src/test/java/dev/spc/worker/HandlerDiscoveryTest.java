package dev.spc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HandlerDiscoveryTest {
  @Test
  void providersOnTheClasspathAreDiscovered_nextToTheBuiltins() {
    WorkerAgent agent = WorkerAgent.newBuilder().name("w")
        .discoverHandlers(getClass().getClassLoader()).build();
    assertTrue(agent.jobTypes().contains("test.reverse"));
    assertTrue(agent.jobTypes().containsAll(java.util.List.of("sleep", "fail", "spin", "echo", "noop")));
  }

  @Test
  void builderRefusesBadSettingsNamingThem() {
    var e = assertThrows(IllegalArgumentException.class, () -> WorkerAgent.newBuilder().slots(0));
    assertEquals("slots must be between 1 and 1024, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> WorkerAgent.newBuilder().name("a b"));
    assertEquals("worker name must be 1-128 characters of [A-Za-z0-9._:-], got 'a b'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> WorkerAgent.newBuilder().handler("", ctx -> {}));
    assertTrue(e.getMessage().startsWith("job type must be"));
    e = assertThrows(IllegalArgumentException.class,
        () -> WorkerAgent.newBuilder().name("w").builtins(false).build());
    assertEquals("a worker needs at least one job handler", e.getMessage());
  }

  @Test
  void anUnreachableCoordinatorAtStart_endsTheAgentAfterTheConnectTimeout() throws Exception {
    var channel = io.grpc.inprocess.InProcessChannelBuilder.forName("nobody-listens-here").build();
    try {
      WorkerAgent agent = WorkerAgent.newBuilder().channel(channel).name("w")
          .connectTimeout(java.time.Duration.ofMillis(500)).build().start();
      AgentExit exit = agent.exitFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(AgentExit.Reason.UNREACHABLE, exit.reason());
      assertEquals(4, exit.exitCode());
      assertTrue(exit.message().startsWith("cannot reach coordinator at ") && exit.message().contains(" after 500ms ("),
          exit.message());
      agent.close();
    } finally {
      channel.shutdownNow();
    }
  }
}
