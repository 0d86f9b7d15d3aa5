package dev.spc.bench;

import dev.spc.cli.local.LocalPostgres;
import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobSpec;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spc bench failover}: three coordinators on a local PostgreSQL and an agent, a steady
 * stream of submits, and the leader killed with {@code kill -9} again and again: the time from
 * each kill to the next acknowledged submit.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Kill the leader of three coordinators on PostgreSQL under steady submits;"
        + " report the time from each kill -9 to the next acknowledged submit.")
final class FailoverBench implements Callable<Integer> {
  private static final String MAIN = "dev.spc.cli.Main";

  @Option(names = "--kills", description = "Leaders to kill (default ${DEFAULT-VALUE}).")
  int kills = 5;

  @Option(names = "--leader-lease", description = "The coordinators' leader lease (default: theirs, 2s).")
  String lease = "2s";

  private final PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    if (!LocalPostgres.installed()) {
      System.err.println("spc bench failover: " + LocalPostgres.INSTALL_HINT);
      return 1;
    }
    Path dir = Files.createTempDirectory("spc-bench-failover-");
    out.printf(Locale.ROOT, "failover: 3 coordinators on PostgreSQL, leader lease %s, %d kills;"
        + " logs in %s%n", lease, kills, dir);
    try (LocalPostgres pg = LocalPostgres.start(); ProcessCluster pc = new ProcessCluster(dir)) {
      Map<String, List<String>> args = new LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        String address = "127.0.0.1:" + port;
        args.put(address, List.of("server", "--store", pg.url(), "--port", Integer.toString(port),
            "--http-port", "0", "--advertise", address, "--leader-lease", lease, "--log-level", "info"));
      }
      Map<String, ProcessCluster.Node> nodes = new LinkedHashMap<>();
      int n = 1;
      for (var e : args.entrySet()) {
        nodes.put(e.getKey(), pc.startJava("coordinator-" + n, MAIN, e.getValue()));
        n++;
      }
      String targets = String.join(",", args.keySet());
      pc.startJava("agent", MAIN, List.of("worker", "--coordinator", targets, "--name", "bench",
          "--slots", "64", "--log-level", "warn"));
      List<Double> seconds = new ArrayList<>();
      try (SpcClient client = SpcClient.newBuilder().target(targets)
          .callTimeout(Duration.ofSeconds(5)).submitRetryTimeout(Duration.ofSeconds(60)).build()) {
        AtomicLong lastAckNanos = new AtomicLong();
        Thread submitter = Thread.ofPlatform().daemon(true).start(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            try {
              client.submit(JobSpec.of("noop"));
              lastAckNanos.set(System.nanoTime());
              Thread.sleep(10);
            } catch (SpcException e) {
              // given up after the retry timeout: keep going
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        for (int k = 1; k <= kills; k++) {
          String leader = awaitLeader(client, nodes.keySet());
          long before = lastAckNanos.get();
          long wait = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while (lastAckNanos.get() == before && System.nanoTime() < wait) {
            Thread.sleep(10); // submits flow before the kill
          }
          ProcessCluster.Node victim = java.util.Objects.requireNonNull(nodes.get(leader));
          long killedAt = System.nanoTime();
          victim.kill9();
          while (lastAckNanos.get() - killedAt < 0) {
            if (System.nanoTime() - killedAt > Duration.ofSeconds(60).toNanos()) {
              throw new IllegalStateException("no submit acknowledged within 60 s of the kill");
            }
            Thread.sleep(1);
          }
          double s = (lastAckNanos.get() - killedAt) / 1e9;
          seconds.add(s);
          out.printf(Locale.ROOT, "  kill %d: leader %s, next acknowledged submit after %.3f s%n", k,
              leader, s);
          nodes.put(leader, pc.startJava("coordinator-restarted-" + k, MAIN,
              java.util.Objects.requireNonNull(args.get(leader))));
        }
        submitter.interrupt();
      }
      List<Double> sorted = seconds.stream().sorted().toList();
      out.printf(Locale.ROOT, "failover kill -9 -> next acknowledged submit: min %.3f s, median %.3f s,"
          + " max %.3f s (%d kills)%n", sorted.get(0), sorted.get(sorted.size() / 2),
          sorted.get(sorted.size() - 1), sorted.size());
    }
    return 0;
  }

  private static String awaitLeader(SpcClient client, java.util.Set<String> members)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String leader = client.cluster().leader();
        if (leader != null && members.contains(leader)) {
          return leader;
        }
      } catch (SpcException e) {
        // between leaders
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no leader within 60 s");
  }
}
