package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Randomized chaos: jobs of every built-in type while agents are killed, frozen, drained,
 * partitioned (each agent in its own network namespace, where root allows) and restarted at
 * random; then the invariants over the recorded history. Seeded: the seed is printed, and
 * -Dspc.chaos.seed=N replays a run's choices.
 */
class ChaosIT {
  static final Pattern STARTED = Pattern.compile("msg=\"job started\" job=(\\S+) lease=(\\d+)");
  static final List<String> AGENT_ARGS = List.of("--slots", "4", "--log-level", "debug", "--stop-grace", "500ms");
  final List<NetNs> nets = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    nets.forEach(NetNs::close);
  }

  @Test
  void everyAcknowledgedJobEndsOnce_noOutcomeChanges_noJobRunsTwice_noLeaseIsReused() throws Exception {
    long seed = Long.getLong("spc.chaos.seed", System.nanoTime());
    System.out.println("ChaosIT seed " + seed);
    Random rnd = new Random(seed);
    String[] names = {"chaos-a", "chaos-b", "chaos-c"};
    for (int i = 0; i < names.length; i++) {
      NetNs n = NetNs.tryCreate(2 + i);
      if (n == null) {
        System.out.println("ChaosIT: no partitions in this run (network namespaces need root and iproute2)");
        nets.forEach(NetNs::close);
        nets.clear();
        break;
      }
      nets.add(n);
    }
    boolean partitions = !nets.isEmpty();
    List<String> coordinatorArgs = new ArrayList<>(List.of("--heartbeat-interval", "200ms",
        "--heartbeat-timeout", "1s", "--reconnect-grace", "2s"));
    if (partitions) {
      coordinatorArgs.addAll(List.of("--bind", "0.0.0.0"));
    }
    try (Cluster c = new Cluster(coordinatorArgs)) {
      Map<String, ProcessCluster.Node> agents = new HashMap<>();
      Map<String, NetNs> netOf = new HashMap<>();
      List<ProcessCluster.Node> all = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        if (partitions) {
          netOf.put(names[i], nets.get(i));
        }
        ProcessCluster.Node node = startAgent(c, names[i], netOf.get(names[i]));
        agents.put(names[i], node);
        all.add(node);
      }
      for (String n : names) {
        c.poll(n + " registered", () -> c.client.workers().stream().anyMatch(w -> w.name().equals(n)),
            agents.get(n));
      }
      List<JobSpec> specs = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        JobSpec spec = switch (rnd.nextInt(6)) {
          case 0 -> JobSpec.of("noop");
          case 1 -> JobSpec.of("echo", "job", Integer.toString(i));
          case 2 -> JobSpec.newBuilder("sleep").args(String.format("%.2f", 0.05 + rnd.nextDouble() / 2))
              .maxSeconds(rnd.nextInt(3)).build();
          case 3 -> JobSpec.of("fail", "chaos " + i);
          case 4 -> JobSpec.newBuilder("spin").args("0.2").maxSeconds(5).build();
          default -> JobSpec.of("sleep", "0.1");
        };
        specs.add(spec);
      }
      // Submitted in waves through the chaos, so that faults keep meeting running jobs.
      List<JobId> acked = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread submitter = Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < specs.size(); i += 100) {
            acked.addAll(c.client.submitAll(specs.subList(i, i + 100)));
            Thread.sleep(900);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });

      // The history: the first outcome seen for each job, and any change after it.
      Map<String, String> firstOutcome = new ConcurrentHashMap<>();
      List<String> changed = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean watching = new AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
      Thread observer = Thread.ofPlatform().start(() -> {
        while (watching.get()) {
          try {
            for (JobStatus s : c.client.listAll(null)) {
              if (s.isDone()) {
                String o = s.describe() + " " + s.error();
                String before = firstOutcome.putIfAbsent(s.id().value(), o);
                if (before != null && !before.equals(o)) {
                  changed.add(s.id() + ": " + before + " -> " + o);
                }
              }
            }
            passes.incrementAndGet();
            Thread.sleep(100);
          } catch (RuntimeException | InterruptedException e) {
            // coordinator busy; try again
          }
        }
      });

      Map<String, Integer> faults = new java.util.TreeMap<>();
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < end) {
        String victim = names[rnd.nextInt(names.length)];
        ProcessCluster.Node node = agents.get(victim);
        int fault = rnd.nextInt(partitions ? 4 : 3);
        switch (fault) {
          case 0 -> node.kill9();
          case 1 -> {
            node.freeze();
            Thread.sleep(1200 + rnd.nextInt(800));
            node.cont();
          }
          case 2 -> node.terminate();
          default -> {
            NetNs net = netOf.get(victim);
            net.cut();
            Thread.sleep(1200 + rnd.nextInt(1300));
            net.heal();
          }
        }
        faults.merge(List.of("kill -9", "freeze", "SIGTERM", "partition").get(fault), 1, Integer::sum);
        if (fault == 0 || fault == 2) {
          assertTrue(node.waitForExit(Cluster.PATIENCE) != -1, victim + " did not exit:\n" + node.output());
          c.poll("the name is free", () -> c.client.workers().stream().noneMatch(w -> w.name().equals(victim)));
          ProcessCluster.Node again = startAgent(c, victim, netOf.get(victim));
          agents.put(victim, again);
          all.add(again);
        }
        Thread.sleep(300 + rnd.nextInt(700));
      }
      submitter.join(Cluster.PATIENCE.toMillis());
      assertEquals(specs.size(), acked.size(), "every wave was acknowledged");
      c.poll("every job done", () -> {
        var s = c.client.stats();
        return s.pending() == 0 && s.running() == 0;
      });
      int seen = passes.get();
      c.poll("the observer saw the final state", () -> passes.get() >= seen + 2);
      watching.set(false);
      observer.join(10_000);

      for (JobId id : acked) {
        JobStatus s = c.status(id);
        assertTrue(s.isDone(), id + " has no outcome: " + s.describe());
        String o = s.describe() + " " + s.error();
        String first = firstOutcome.getOrDefault(id.value(), o);
        assertEquals(first, o, id + " changed its outcome");
      }
      assertTrue(changed.isEmpty(), "outcomes changed: " + changed);
      Map<String, String> jobOfLease = new HashMap<>();
      Map<String, String> agentOfJob = new HashMap<>();
      for (ProcessCluster.Node n : all) {
        Matcher m = STARTED.matcher(n.output());
        while (m.find()) {
          String job = m.group(1);
          String lease = m.group(2);
          String prev = jobOfLease.put(lease, job);
          assertTrue(prev == null || prev.equals(job), "lease " + lease + " reused: " + prev + ", " + job);
          String where = agentOfJob.put(job, n.name() + "@" + n.pid());
          assertTrue(where == null, "job " + job + " ran twice: " + where + " and " + n.name());
        }
      }
      assertTrue(jobOfLease.size() > 500, "the agents ran jobs: " + jobOfLease.size());
      System.out.println("ChaosIT faults " + faults + "; " + jobOfLease.size() + " leases run");
    }
  }

  static ProcessCluster.Node startAgent(Cluster c, String name, NetNs net) throws Exception {
    return net == null
        ? c.processes.startWorker(name, AGENT_ARGS)
        : c.processes.startWorkerIn(net.name, name, net.hostIp + ":" + c.processes.port(), AGENT_ARGS);
  }
}
