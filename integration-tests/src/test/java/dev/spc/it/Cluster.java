package dev.spc.it;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobId;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** A real coordinator process with fast heartbeats, agents on demand, and a client. */
final class Cluster implements AutoCloseable {
  static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(200);
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(1);
  /** Generous on a loaded 2-core machine: JVM start-up, GC, scheduling. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  final ProcessCluster processes;
  final SpcClient client;
  private final List<ProcessCluster.Node> workers = new java.util.ArrayList<>();

  Cluster() throws Exception {
    this(List.of("--heartbeat-interval", HEARTBEAT_INTERVAL.toMillis() + "ms",
        "--heartbeat-timeout", HEARTBEAT_TIMEOUT.toMillis() + "ms"));
  }

  /** A durable coordinator (data in the cluster's directory) started with these arguments. */
  Cluster(List<String> coordinatorArgs) throws Exception {
    this(coordinatorArgs, ProcessCluster.SMALL_JVM);
  }

  /**
   * A coordinator that checks the tokens in {@code tokens} and serves HTTP on {@code httpPort},
   * its client sending {@code clientToken}.
   */
  static Cluster withTokensAndHttp(Path tokens, String clientToken, int httpPort) throws Exception {
    return new Cluster(List.of("--heartbeat-interval", HEARTBEAT_INTERVAL.toMillis() + "ms",
        "--heartbeat-timeout", HEARTBEAT_TIMEOUT.toMillis() + "ms", "--tokens-file", tokens.toString(),
        "--http-port", Integer.toString(httpPort)), ProcessCluster.SMALL_JVM, clientToken);
  }

  /** Like {@link #Cluster(List)}, every process started with these JVM flags. */
  Cluster(List<String> coordinatorArgs, List<String> jvmFlags) throws Exception {
    this(coordinatorArgs, jvmFlags, (String) null);
  }

  /** Like {@link #Cluster(List, List)}, the cluster's client sending this bearer token. */
  Cluster(List<String> coordinatorArgs, List<String> jvmFlags, String clientToken) throws Exception {
    this(coordinatorArgs, jvmFlags, b -> b.token(clientToken));
  }

  /** Like {@link #Cluster(List, List)}, the cluster's client set up by {@code client} (TLS, a token). */
  Cluster(List<String> coordinatorArgs, List<String> jvmFlags,
      java.util.function.Consumer<SpcClient.Builder> clientSetup) throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "spc-it-");
    processes = new ProcessCluster(dir, jvmFlags);
    processes.startCoordinator(coordinatorArgs);
    SpcClient.Builder b = SpcClient.newBuilder().target(processes.target());
    clientSetup.accept(b);
    client = b.build();
  }

  ProcessCluster.Node worker(String name, int slots, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("--slots", Integer.toString(slots)));
    args.addAll(List.of(extra));
    ProcessCluster.Node node = processes.startWorker(name, args);
    workers.add(node);
    poll("worker " + name + " registered", () ->
        client.workers().stream().anyMatch(w -> w.name().equals(name)), node);
    return node;
  }

  /** Stops every worker this cluster started (SIGTERM, then SIGKILL) and waits until none is listed. */
  void stopWorkers() {
    for (ProcessCluster.Node n : workers) {
      n.cont();
      n.terminate();
    }
    for (ProcessCluster.Node n : workers) {
      try {
        if (n.waitForExit(Duration.ofSeconds(15)) == -1) {
          n.kill9();
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    workers.clear();
    poll("no workers left", () -> client.workers().isEmpty());
  }

  /**
   * Waits for each job to end and asserts it ended DONE; a failure shows the job's outcome and
   * the logs of {@code explain} and of the coordinator.
   */
  void assertAllDone(java.util.Collection<JobId> ids, ProcessCluster.Node... explain) {
    for (JobId id : ids) {
      JobStatus s = client.await(id, PATIENCE);
      if (s.reason().orElse(null) != dev.spc.client.DoneReason.DONE) {
        StringBuilder sb = new StringBuilder(id + " ended " + s.describe() + " " + s.error());
        for (ProcessCluster.Node n : explain) {
          sb.append("\n--- ").append(n.name()).append(" ---\n").append(n.output());
        }
        sb.append("\n--- coordinator ---\n").append(processes.coordinator().output());
        throw new AssertionError(sb);
      }
    }
  }

  JobStatus status(JobId id) {
    return client.status(id);
  }

  private static final java.util.regex.Pattern STARTED =
      java.util.regex.Pattern.compile("msg=\"job started\" job=(\\S+) lease=");

  /**
   * Waits until {@code agent} (logging at debug level) runs the job, not only the coordinator: a
   * lease is RUNNING once stored, and a kill -9 right then can take it down before it was sent.
   */
  void startedOn(ProcessCluster.Node agent, JobId id) {
    poll("job " + id + " started on the agent", () -> STARTED.matcher(agent.output()).results()
        .anyMatch(m -> m.group(1).equals(id.value())), agent);
  }

  /** Polls {@code cond} until it holds or {@link #PATIENCE} runs out. */
  void poll(String what, BooleanSupplier cond, ProcessCluster.Node... explain) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder sb = new StringBuilder("timed out waiting for: " + what);
        for (ProcessCluster.Node n : explain) {
          sb.append("\n--- ").append(n.name()).append(" ---\n").append(n.output());
        }
        sb.append("\n--- coordinator ---\n").append(processes.coordinator().output());
        throw new AssertionError(sb);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  <T> T pollFor(String what, Supplier<T> get, java.util.function.Predicate<T> ok) {
    Object[] last = new Object[1];
    poll(what, () -> {
      T v = get.get();
      last[0] = v;
      return ok.test(v);
    });
    @SuppressWarnings("unchecked")
    T v = (T) last[0];
    return v;
  }

  @Override
  public void close() {
    client.close();
    processes.close();
  }
}
