package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcException;
import dev.spc.client.WorkerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Overload from both sides, with real processes: clients that submit faster than anything can
 * run, and an agent that stops reading its stream. The coordinator's heap is capped, so holding
 * more than it should shows up as an OutOfMemoryError, not only as a number.
 */
class OverloadIT {
  static final List<String> CAPPED_HEAP = concat(ProcessCluster.SMALL_JVM, "-Xmx128m");

  @Test
  void aSubmitFlood_isRefusedAtCapacity_losesNothingAcknowledged_andDrainsAfterwards() throws Exception {
    int capacity = 50_000;
    try (Cluster c = new Cluster(List.of("--in-memory", "--max-pending", Integer.toString(capacity)),
        CAPPED_HEAP)) {
      byte[] payload = new byte[256];
      ConcurrentLinkedQueue<JobId> acked = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
      AtomicLong unexpected = new AtomicLong();
      List<Thread> flooders = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        flooders.add(Thread.ofPlatform().start(() -> {
          List<JobSpec> batch = new ArrayList<>();
          for (int i = 0; i < 500; i++) {
            batch.add(JobSpec.newBuilder("noop").payload(payload).build());
          }
          int refused = 0;
          long deadline = System.nanoTime() + Cluster.PATIENCE.toNanos();
          // Well past the capacity: keep pushing after the first refusals.
          while (refused < 20 && System.nanoTime() < deadline) {
            try {
              acked.addAll(c.client.submitAll(batch));
            } catch (SpcException.ResourceExhausted e) {
              refused++;
              refusals.add(e.getMessage());
            } catch (RuntimeException e) {
              unexpected.incrementAndGet();
              refusals.add("unexpected: " + e);
            }
          }
        }));
      }
      for (Thread t : flooders) {
        t.join();
      }
      assertEquals(0, unexpected.get(), String.join("\n", refusals));
      assertTrue(refusals.size() >= 80, "every flooder was refused again and again: " + refusals.size());
      assertTrue(refusals.peek().contains("pending queue is full") && refusals.peek().contains("capacity "
          + capacity), refusals.peek());
      var stats = c.client.stats();
      assertTrue(stats.pending() <= capacity, "pending " + stats.pending() + " > capacity");
      assertEquals(acked.size(), stats.pending(), "every acknowledged job is pending, and nothing else");
      ProcessCluster.Node coordinator = c.processes.coordinator();
      assertTrue(coordinator.process().isAlive() && !coordinator.output().contains("OutOfMemoryError"),
          coordinator.output());
      long rssMiB = rssMiB(coordinator.pid());
      System.out.println("OverloadIT flood: " + acked.size() + " acknowledged, " + refusals.size()
          + " batches refused, coordinator RSS " + rssMiB + " MiB");

      // Work drains the queue, and submits are accepted again.
      c.worker("drainer", 64);
      c.poll("the queue drained", () -> c.client.stats().pending() == 0);
      assertEquals(acked.size(), c.client.stats().doneDone(), "every acknowledged job ran once");
      JobStatus after = c.client.await(c.client.submit(JobSpec.of("echo", "room again")), Cluster.PATIENCE);
      assertEquals("room again", after.resultText());
    }
  }

  @Test
  void anAgentThatStopsReading_getsItsLeasesHeldBack_andAllOfThemWhenItReadsAgain() throws Exception {
    // A long heartbeat timeout: the frozen agent must stay a worker, only a slow one.
    try (Cluster c = new Cluster(List.of("--in-memory", "--heartbeat-interval", "200ms",
        "--heartbeat-timeout", "60s"), CAPPED_HEAP)) {
      ProcessCluster.Node slow = c.worker("slow", 64);
      slow.freeze();
      List<JobId> ids;
      try {
        // 64 leases of 512 KiB: 32 MiB, far more than a stream's flow-control window.
        byte[] payload = new byte[512 * 1024];
        List<JobSpec> specs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          specs.add(JobSpec.newBuilder("noop").payload(payload).build());
        }
        ids = new ArrayList<>();
        for (int i = 0; i < specs.size(); i += 4) {
          ids.addAll(c.client.submitAll(specs.subList(i, i + 4))); // under the 4 MiB request limit
        }
        WorkerInfo w = c.pollFor("leases held back while the agent does not read",
            () -> c.client.workers().getFirst(), x -> x.unsentLeases() > 0 && x.runningJobIds().size() == 64);
        System.out.println("OverloadIT slow consumer: " + w.unsentLeases() + " of 64 leases held back");
        assertTrue(w.unsentLeases() >= 32, "most leases wait in the coordinator: " + w.unsentLeases());
      } finally {
        slow.cont();
      }
      c.assertAllDone(ids, slow);
      assertEquals(0, c.client.workers().getFirst().unsentLeases());
      assertTrue(!c.processes.coordinator().output().contains("OutOfMemoryError"));
    }
  }

  static long rssMiB(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  static List<String> concat(List<String> a, String... b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(b));
    return all;
  }
}
