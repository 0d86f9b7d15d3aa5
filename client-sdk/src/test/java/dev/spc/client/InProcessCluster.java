package dev.spc.client;

import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.testing.InProcessCoordinator;
import dev.spc.worker.WorkerAgent;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A coordinator, agents and a client in one JVM over the in-process transport. */
final class InProcessCluster implements AutoCloseable {
  final InProcessCoordinator coordinator;
  final List<WorkerAgent> agents = new ArrayList<>();
  final SpcClient client;

  InProcessCluster(CoordinatorConfig cfg) throws Exception {
    coordinator = InProcessCoordinator.start(cfg, Duration.ofMillis(5));
    client = SpcClient.create(channel());
  }

  ManagedChannel channel() {
    return coordinator.channel();
  }

  WorkerAgent agent(String workerName, int slots, UnaryOperator<WorkerAgent.Builder> extra) {
    WorkerAgent a = extra.apply(WorkerAgent.newBuilder().channel(channel()).name(workerName)
        .slots(slots).connectTimeout(Duration.ofSeconds(5))).build().start();
    agents.add(a);
    return a;
  }

  /** Polls until the coordinator lists {@code n} workers. */
  void awaitWorkers(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (client.workers().size() != n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + n + " workers, have " + client.workers());
      }
      Thread.sleep(10);
    }
  }

  @Override
  public void close() throws Exception {
    for (WorkerAgent a : agents) {
      a.close();
    }
    client.close();
    coordinator.close();
  }
}
