package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real network partition: the agent runs in its own network namespace joined to this one by a
 * veth pair, and the link is taken down (no FIN, no RST: silence), then brought back. Needs root
 * and iproute2; skipped, saying so, where they are missing.
 */
class PartitionIT {
  final String ns = "spcit" + ProcessHandle.current().pid();
  final String hostIf = "vsh" + (ProcessHandle.current().pid() % 100000);
  final String nsIf = "vsn" + (ProcessHandle.current().pid() % 100000);
  static final String HOST_IP = "10.231.77.1";
  static final String NS_IP = "10.231.77.2";
  boolean made;

  static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out.trim());
    }
    return out;
  }

  @BeforeEach
  void network() {
    try {
      sh("ip", "netns", "add", ns);
      made = true;
      sh("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
      sh("ip", "link", "set", nsIf, "netns", ns);
      sh("ip", "addr", "add", HOST_IP + "/30", "dev", hostIf);
      sh("ip", "link", "set", hostIf, "up");
      sh("ip", "netns", "exec", ns, "ip", "addr", "add", NS_IP + "/30", "dev", nsIf);
      sh("ip", "netns", "exec", ns, "ip", "link", "set", nsIf, "up");
      sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    } catch (Exception e) {
      cleanUp();
      Assumptions.assumeTrue(false, "skipped: cannot make a network namespace here (needs root"
          + " and iproute2): " + e.getMessage());
    }
  }

  @AfterEach
  void cleanUp() {
    if (made) {
      try {
        sh("ip", "link", "del", hostIf);
      } catch (Exception ignored) {
        // went with the namespace
      }
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // already gone
      }
      made = false;
    }
  }

  @Test
  void aPartitionedAgent_isLost_fencesItself_andComesBackWhenHealed() throws Exception {
    try (Cluster c = new Cluster(List.of("--bind", HOST_IP, "--heartbeat-interval", "200ms",
        "--heartbeat-timeout", "1s"))) {
      ProcessCluster.Node agent = c.processes.startWorkerIn(ns, "island", List.of());
      c.poll("the agent in the namespace registered",
          () -> c.client.workers().stream().anyMatch(w -> w.name().equals("island")), agent);
      JobId id = c.client.submit(JobSpec.of("sleep", "60"));
      c.poll("running", () -> c.status(id).state() == JobState.RUNNING, agent);

      sh("ip", "link", "set", hostIf, "down");
      JobStatus s = c.pollFor("crashed", () -> c.status(id), JobStatus::isDone);
      assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
      assertEquals("worker lost", s.error());
      c.poll("the agent stopped its job on its own", () -> agent.output().contains("self-fencing"), agent);

      sh("ip", "link", "set", hostIf, "up");
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
}
