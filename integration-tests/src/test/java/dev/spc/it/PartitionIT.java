package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults of the network itself: an agent in its own network namespace, joined to this one by a
 * veth pair, whose link is cut and healed, or made lossy. Everything runs over mutual TLS, as
 * it would across hosts: the agent's partition detection must see through TLS. Needs root and
 * iproute2; skipped, saying so, where they are missing.
 */
class PartitionIT {
  NetNs net;

  @AfterEach
  void cleanUp() {
    if (net != null) {
      net.close();
    }
  }

  /** A coordinator on the namespace link's address, with mutual TLS; the client is an admin. */
  private Cluster tlsCluster(Pki pki, String heartbeatTimeout) throws Exception {
    List<String> args = new ArrayList<>(List.of("--bind", net.hostIp, "--heartbeat-interval",
        "200ms", "--heartbeat-timeout", heartbeatTimeout));
    args.addAll(pki.serverArgs(true));
    return new Cluster(args, ProcessCluster.SMALL_JVM, pki.client("client"));
  }

  @Test
  void aPartitionedAgent_isLost_fencesItself_andComesBackWhenHealed() throws Exception {
    net = NetNs.create(0);
    Pki pki = Pki.init(net.hostIp, "island");
    try (Cluster c = tlsCluster(pki, "1s")) {
      ProcessCluster.Node agent = c.processes.startWorkerIn(net.name, "island",
          pki.clientArgs("worker-island"));
      c.poll("the agent in the namespace registered",
          () -> c.client.workers().stream().anyMatch(w -> w.name().equals("island")), agent);
      JobId id = c.client.submit(JobSpec.of("sleep", "60"));
      c.poll("running", () -> c.status(id).state() == JobState.RUNNING, agent);

      net.cut();
      JobStatus s = c.pollFor("crashed", () -> c.status(id), JobStatus::isDone);
      assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
      assertEquals("worker lost", s.error());
      c.poll("the agent stopped its job on its own", () -> agent.output().contains("self-fencing"), agent);

      net.heal();
      c.poll("the agent registered again after the heal", () -> agent.output().contains("msg=reconnected")
          && c.client.workers().stream().anyMatch(w -> w.name().equals("island")), agent);
      JobStatus after = c.status(id);
      assertEquals(Optional.of(DoneReason.CRASHED), after.reason());
      assertEquals("worker lost", after.error(), "the outcome never changes");
      JobStatus next = c.client.await(c.client.submit(JobSpec.of("echo", "healed")), Cluster.PATIENCE);
      assertEquals("healed", next.resultText());
      assertTrue(agent.process().isAlive());
    }
  }

  @Test
  void aLossyLink_losesNoWorker_andEveryJobEndsDone() throws Exception {
    net = NetNs.create(1);
    String how = net.lossy(5);
    System.out.println("PartitionIT lossy link: " + how);
    Pki pki = Pki.init(net.hostIp, "lossy");
    try (Cluster c = tlsCluster(pki, "3s")) {
      List<String> agentArgs = new ArrayList<>(pki.clientArgs("worker-lossy"));
      agentArgs.addAll(List.of("--slots", "4"));
      ProcessCluster.Node agent = c.processes.startWorkerIn(net.name, "lossy", agentArgs);
      c.poll("the agent behind the lossy link registered",
          () -> c.client.workers().stream().anyMatch(w -> w.name().equals("lossy")), agent);
      // About 15 s of traffic both ways: leases with payloads out, results back, heartbeats.
      String payload = "x".repeat(4000);
      List<JobId> ids = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        ids.add(c.client.submit(i % 3 == 0
            ? JobSpec.newBuilder("echo").payload(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)).build()
            : JobSpec.of("sleep", "0.2")));
      }
      c.assertAllDone(ids, agent);
      String coordinatorLog = c.processes.coordinator().output();
      assertTrue(!coordinatorLog.contains("worker lost"), "no false loss:\n" + coordinatorLog);
      assertTrue(!agent.output().contains("self-fencing") && !agent.output().contains("reconnect"),
          "the agent kept its stream:\n" + agent.output());
      long dropped = net.dropped();
      System.out.println("PartitionIT lossy link: " + (dropped < 0 ? "netem (no count)" : dropped
          + " packets dropped"));
      assertTrue(dropped != 0, "the link really lost packets");
    }
  }
}
