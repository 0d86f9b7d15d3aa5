package dev.spc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.client.SpcClient;
import dev.spc.server.CoordinatorServer;
import dev.spc.worker.WorkerAgent;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The benchmark's measuring parts, on a small in-process cluster: they must count right. */
class BenchPartsTest {
  @Test
  void burndownAndLatencyCountEveryJob() throws Exception {
    String name = InProcessServerBuilder.generateName();
    CoordinatorServer server = CoordinatorServer.newBuilder()
        .serverBuilder(InProcessServerBuilder.forName(name)).build().start();
    ManagedChannel agentCh = InProcessChannelBuilder.forName(name).build();
    ManagedChannel clientCh = InProcessChannelBuilder.forName(name).build();
    WorkerAgent agent = WorkerAgent.newBuilder().channel(agentCh).name("w").slots(16).build().start();
    try (SpcClient spc = SpcClient.create(clientCh)) {
      Burndown.Result r = Burndown.run(spc, 3000, 700, 2);
      assertEquals(3000, r.jobs());
      assertEquals(3000, r.stats().doneDone());
      assertTrue(r.jobsPerSecond() > 0);
      Latency.Result l = Latency.run(spc, 500, Duration.ofSeconds(1));
      assertEquals(500, l.jobs());
      assertTrue(l.pct(l.startMs(), 50) <= l.pct(l.startMs(), 99));
      assertTrue(l.pct(l.doneMs(), 99) >= l.pct(l.startMs(), 99));
    } finally {
      agent.close();
      server.shutdown(Duration.ofSeconds(2));
      agentCh.shutdownNow();
      clientCh.shutdownNow();
    }
  }

  @Test
  void procStatsReadsThisProcess() {
    ProcStats s = ProcStats.of(ProcessHandle.current().pid());
    assertTrue(s.cpuSeconds() > 0, s.toString());
    assertTrue(s.peakRssBytes() >= s.rssBytes() && s.rssBytes() > 0, s.toString());
  }
}
