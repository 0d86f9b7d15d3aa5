package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.LocalPostgres;
import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.ClusterInfo;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A seeded chaos run over three coordinators, each on its own network namespace, sharing a real
 * PostgreSQL: the leader killed, frozen, or cut off from the database, round after round, under
 * steady submits, with agents killed, frozen and cut off (each in its own namespace too) in
 * between. Checks: every acknowledged job ends with one outcome, no valid call is answered
 * INTERNAL or UNKNOWN, no lease id is used twice and no job runs under two leases, epochs only
 * grow, and no two coordinators ever lead in the same epoch.
 */
class HaChaosIT {
  static final String MAIN = "dev.spc.cli.Main";
  static final Pattern LEADING = Pattern.compile("ts=(\\S+) .*msg=\"coordinator leading\" epoch=(\\d+)");
  static final Pattern STARTED = Pattern.compile("msg=\"job started\" job=(\\S+) lease=(\\d+)");

  @Test
  void leaderFaultsInAnyOrder_keepEveryPromise() throws Exception {
    Assumptions.assumeTrue(LocalPostgres.installed(), "skipped: " + LocalPostgres.INSTALL_HINT);
    long seed = Long.getLong("spc.chaos.seed", System.nanoTime());
    System.out.println("HaChaosIT seed " + seed);
    Random random = new Random(seed);
    List<NetNs> nets = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) { // three coordinators, then two agents
        nets.add(NetNs.create(20 + i));
        nets.get(i).routeViaHost();
      }
      List<NetNs> agentNets = nets.subList(3, 5);
      StringBuilder listen = new StringBuilder("127.0.0.1");
      nets.subList(0, 3).forEach(n -> listen.append(',').append(n.hostIp));
      try (AutoCloseable routed = NetNs.forwarding();
          LocalPostgres pg = LocalPostgres.start(listen.toString());
          ProcessCluster pc = new ProcessCluster(Files.createTempDirectory(
              Files.createDirectories(Path.of("target", "it-runs")), "ha-chaos-"))) {
        Map<String, List<String>> args = new LinkedHashMap<>();
        Map<String, NetNs> netOf = new HashMap<>();
        Map<String, ProcessCluster.Node> nodes = new LinkedHashMap<>();
        for (NetNs n : nets.subList(0, 3)) {
          int port = Ports.free();
          String address = n.nsIp + ":" + port;
          args.put(address, List.of("server", "--store", pg.url(n.hostIp), "--bind", "0.0.0.0",
              "--insecure", "--port", Integer.toString(port), "--http-port", "0", "--advertise", address,
              "--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s",
              "--reconnect-grace", "10s", "--leader-lease", "2s"));
          netOf.put(address, n);
          nodes.put(address, pc.startJavaIn(n.name, "coordinator-" + nodes.size(), MAIN, args.get(address)));
        }
        String targets = String.join(",", args.keySet());
        List<ProcessCluster.Node> agents = new ArrayList<>();
        List<ProcessCluster.Node> retired = new ArrayList<>();
        java.util.function.IntFunction<List<String>> agentArgs = i -> List.of("worker",
            "--coordinator", targets, "--name", "agent-" + i, "--slots", "8", "--drain-timeout", "2s",
            "--log-level", "debug");
        for (int i = 1; i <= 2; i++) {
          agents.add(pc.startJavaIn(agentNets.get(i - 1).name, "agent-" + i, MAIN, agentArgs.apply(i)));
        }
        Map<String, SpcClient> direct = new HashMap<>();
        try (SpcClient client = SpcClient.newBuilder().target(targets).callTimeout(Duration.ofSeconds(2))
            .build()) {
          java.util.function.Supplier<String> leader = () -> {
            for (String a : args.keySet()) {
              try {
                ClusterInfo c = direct.computeIfAbsent(a, x -> SpcClient.newBuilder().target(x)
                    .callTimeout(Duration.ofMillis(500)).build()).cluster();
                if (c.leader() != null) {
                  return c.leader();
                }
              } catch (SpcException e) {
                // down, frozen or cut off
              }
            }
            return null;
          };
          poll("a leader", () -> leader.get() != null, pc);
          poll("both agents registered", () -> {
            try {
              return client.workers().size() == 2;
            } catch (SpcException e) {
              return false;
            }
          }, pc);
          ConcurrentLinkedQueue<JobId> acked = new ConcurrentLinkedQueue<>();
          ConcurrentLinkedQueue<String> badAnswers = new ConcurrentLinkedQueue<>();
          AtomicBoolean running = new AtomicBoolean(true);
          Thread submitter = Thread.ofPlatform().start(() -> {
            Random r = new Random(seed + 1);
            while (running.get()) {
              try {
                acked.add(client.submit(JobSpec.of("sleep", r.nextInt(4) == 0 ? "1.5" : "0.2")));
              } catch (SpcException e) {
                if (e.code() == Status.Code.INTERNAL || e.code() == Status.Code.UNKNOWN) {
                  badAnswers.add(e.toString());
                }
              }
              try {
                Thread.sleep(25);
              } catch (InterruptedException e) {
                return;
              }
            }
          });
          Map<String, Integer> faults = new TreeMap<>();
          for (int round = 0; round < 6; round++) {
            String old = leader.get();
            if (old == null) {
              poll("a leader", () -> leader.get() != null, pc);
              old = leader.get();
            }
            ProcessCluster.Node victim = nodes.get(old);
            int kind = random.nextInt(3);
            String was = old;
            switch (kind) {
              case 0 -> {
                victim.kill9();
                poll("a new leader after kill -9", () -> isOther(leader.get(), was), pc);
                nodes.put(old, pc.startJavaIn(netOf.get(old).name, "coordinator-again-" + round,
                    MAIN, args.get(old)));
                faults.merge("kill -9", 1, Integer::sum);
              }
              case 1 -> {
                victim.freeze();
                poll("a new leader while frozen", () -> isOther(leader.get(), was), pc);
                Thread.sleep(2000 + random.nextInt(2000));
                victim.cont();
                faults.merge("freeze", 1, Integer::sum);
              }
              default -> {
                NetNs n = netOf.get(old);
                n.blockTcpTo(n.hostIp, pg.port());
                poll("a new leader while cut off", () -> isOther(leader.get(), was), pc);
                Thread.sleep(500 + random.nextInt(1500));
                n.unblock();
                faults.merge("cut from PostgreSQL", 1, Integer::sum);
              }
            }
            int agentFault = random.nextInt(4);
            int which = random.nextInt(agents.size());
            ProcessCluster.Node agent = agents.get(which);
            if (agentFault == 0) {
              agent.kill9();
              Thread.sleep(2000); // the leader notices the lost stream before the name comes back
              agents.set(which, pc.startJavaIn(agentNets.get(which).name, "agent-" + (which + 1),
                  MAIN, agentArgs.apply(which + 1)));
              retired.add(agent);
              faults.merge("agent kill -9", 1, Integer::sum);
            } else if (agentFault == 1) {
              agent.freeze();
              Thread.sleep(500 + random.nextInt(1500));
              agent.cont();
              faults.merge("agent freeze", 1, Integer::sum);
            } else if (agentFault == 2) {
              NetNs n = agentNets.get(which);
              n.cut(); // silent to every coordinator: it fences its jobs, the leader ends them
              Thread.sleep(1000 + random.nextInt(2000));
              n.heal();
              faults.merge("agent cut off", 1, Integer::sum);
            }
            Thread.sleep(1000 + random.nextInt(1000));
          }
          running.set(false);
          submitter.join(60_000);
          System.out.println("HaChaosIT faults " + faults + "; " + acked.size() + " submits acknowledged");

          assertTrue(badAnswers.isEmpty(), "valid calls answered INTERNAL/UNKNOWN: " + badAnswers);
          Set<String> ids = new HashSet<>();
          for (JobId id : acked) {
            assertTrue(ids.add(id.value()), id + " acknowledged twice");
            JobStatus s = client.await(id, Duration.ofSeconds(60));
            assertTrue(s.isDone(), id + " never ended: " + s.describe());
          }
          Map<String, Set<String>> leasesOf = new HashMap<>();
          Set<String> leaseIds = new HashSet<>();
          List<ProcessCluster.Node> everyAgent = new ArrayList<>(agents);
          everyAgent.addAll(retired);
          for (ProcessCluster.Node a : everyAgent) {
            Matcher m = STARTED.matcher(a.output());
            while (m.find()) {
              assertTrue(leaseIds.add(m.group(2)), "lease " + m.group(2) + " started twice");
              leasesOf.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2));
            }
          }
          leasesOf.forEach((job, l) -> assertEquals(1, l.size(), job + " ran under " + l));
          TreeMap<Instant, Long> terms = new TreeMap<>();
          Map<Long, String> leaderOf = new HashMap<>();
          for (ProcessCluster.Node n : pc.nodes()) {
            Matcher m = LEADING.matcher(n.output());
            while (m.find()) {
              long epoch = Long.parseLong(m.group(2));
              String before = leaderOf.put(epoch, n.name());
              assertTrue(before == null, "epoch " + epoch + " led by " + before + " and " + n.name());
              terms.put(Instant.parse(m.group(1)), epoch);
            }
          }
          long last = 0;
          for (long epoch : terms.values()) {
            assertTrue(epoch > last, "epochs only grow: " + terms);
            last = epoch;
          }
        } finally {
          direct.values().forEach(SpcClient::close);
        }
      }
    } finally {
      nets.forEach(NetNs::close);
    }
  }

  static boolean isOther(String now, String old) {
    return now != null && !now.equals(old);
  }

  static void poll(String what, BooleanSupplier cond, ProcessCluster pc) {
    HaIT.poll(what, cond, pc);
  }
}
