package dev.spc.cli;

import dev.spc.cli.local.LocalPostgres;
import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.ClusterInfo;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code spc demo --ha}: a local PostgreSQL, three coordinators sharing it, agents following the
 * leader; jobs run, the leader is killed with {@code kill -9}, and the takeover is shown live.
 */
final class HaDemo {
  private static final String MAIN = "dev.spc.cli.Main";
  private final PrintStream out;
  private final int workers;
  private final int slots;

  HaDemo(PrintStream out, int workers, int slots) {
    this.out = out;
    this.workers = workers;
    this.slots = slots;
  }

  int call() throws Exception {
    if (!LocalPostgres.installed()) {
      System.err.println("spc demo --ha: " + LocalPostgres.INSTALL_HINT);
      return ExitCodes.FAILED;
    }
    Path dir = Files.createTempDirectory("spc-demo-ha-");
    out.println("SPC HA demo: a local PostgreSQL, three coordinators and " + workers
        + " worker agents (separate JVMs; logs in " + dir + ")");
    try (LocalPostgres pg = LocalPostgres.start(); ProcessCluster pc = new ProcessCluster(dir)) {
      Thread hook = Thread.ofPlatform().unstarted(() -> {
        pc.close();
        pg.close();
      });
      Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: nothing left behind
      Map<String, ProcessCluster.Node> coordinators = new LinkedHashMap<>();
      for (int i = 1; i <= 3; i++) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        String address = "127.0.0.1:" + port;
        coordinators.put(address, pc.startJava("coordinator-" + i, MAIN, List.of("server",
            "--store", pg.url(), "--port", Integer.toString(port), "--http-port", "0", "--advertise", address,
            "--heartbeat-interval", "500ms", "--heartbeat-timeout", "2s")));
      }
      String targets = String.join(",", coordinators.keySet());
      for (int i = 1; i <= workers; i++) {
        pc.startJava("worker-" + i, MAIN, List.of("worker", "--coordinator", targets, "--name",
            "worker-" + i, "--slots", Integer.toString(slots)));
      }
      try (SpcClient spc = SpcClient.newBuilder().target(targets).callTimeout(Duration.ofSeconds(5))
          .build()) {
        ClusterInfo c = awaitLeader(spc, null);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (spc.workers().size() < workers && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        out.println("PostgreSQL on 127.0.0.1:" + pg.port() + "; coordinators " + targets);
        show(coordinators.keySet());
        List<JobId> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
          ids.add(spc.submit(JobSpec.of("sleep", String.format(Locale.ROOT, "%.1f", 1 + (i % 4) * 0.5))));
        }
        out.println("\nsubmitted 24 sleep jobs of 1 to 2.5 s; " + running(spc, ids) + " running");
        Thread.sleep(700);
        String leader = java.util.Objects.requireNonNull(c.leader());
        out.println("\nkill -9 the leader " + leader + " (epoch " + c.epoch() + ") while "
            + running(spc, ids) + " jobs run...");
        long killed = System.nanoTime();
        java.util.Objects.requireNonNull(coordinators.get(leader)).kill9();
        ClusterInfo next = awaitLeader(spc, leader);
        out.printf(Locale.ROOT, "%.1f s later: %s leads in epoch %d%n",
            (System.nanoTime() - killed) / 1e9, next.leader(), next.epoch());
        JobId after = spc.submit(JobSpec.of("echo", "submitted after the failover"));
        out.printf(Locale.ROOT, "%.1f s after the kill: a new submit is acknowledged (%s)%n",
            (System.nanoTime() - killed) / 1e9, after);
        ids.add(after);
        Map<DoneReason, Integer> outcomes = new EnumMap<>(DoneReason.class);
        for (JobId id : ids) {
          JobStatus s = spc.await(id, Duration.ofSeconds(60));
          s.reason().ifPresent(r -> outcomes.merge(r, 1, Integer::sum));
        }
        out.println("every job ended: " + outcomes + " (the running ones were re-adopted by the"
            + " new leader: same leases, no job run twice)");
        show(coordinators.keySet());
      }
      out.println("\nstopping the agents, the coordinators and PostgreSQL...");
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    out.println("done. README: High availability shows how to run it on your own PostgreSQL.");
    return ExitCodes.OK;
  }

  private static long running(SpcClient spc, List<JobId> ids) {
    return ids.stream().filter(id -> {
      try {
        return spc.status(id).state() == dev.spc.client.JobState.RUNNING;
      } catch (SpcException e) {
        return false;
      }
    }).count();
  }

  private void show(java.util.Set<String> members) {
    for (String m : members) {
      try (SpcClient one = SpcClient.newBuilder().target(m).callTimeout(Duration.ofSeconds(2))
          .build()) {
        ClusterInfo i = one.cluster();
        out.printf(Locale.ROOT, "  %-22s %-8s epoch %d%n", m, i.role(), i.epoch());
      } catch (SpcException e) {
        out.printf(Locale.ROOT, "  %-22s %-8s (%s)%n", m, "down", e.getMessage());
      }
    }
  }

  private static ClusterInfo awaitLeader(SpcClient spc, @Nullable String not)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        ClusterInfo c = spc.cluster();
        if (c.leader() != null && !c.leader().equals(not)) {
          return c;
        }
      } catch (SpcException e) {
        // between leaders
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no leader within 60 s");
  }
}
