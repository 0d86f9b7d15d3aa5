package dev.spc.cli;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spc demo}: a coordinator and three worker agents as separate JVMs, a mix of jobs that
 * finish, crash, time out and get cancelled, shown live, then everything shut down.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a local coordinator and worker agents, run a mix of jobs, show them live.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--workers", description = "Worker agents to start (default ${DEFAULT-VALUE}).")
  int workers = 3;

  @Option(names = "--slots", description = "Slots per worker (default ${DEFAULT-VALUE}).")
  int slots = 2;

  @Option(names = "--ha", description = "Three coordinators on a local PostgreSQL and three agents;"
      + " kill the leader while jobs run and watch another take over.")
  boolean ha;

  private final PrintStream out = System.out;
  private volatile boolean interrupted;
  private final java.util.Map<JobId, String> lastLine = new java.util.concurrent.ConcurrentHashMap<>();

  /** One row of the live table. */
  private record Row(String label, List<JobId> ids) {}

  @Override
  public Integer call() throws Exception {
    if (workers < 1 || workers > 16) {
      throw new IllegalArgumentException("--workers must be between 1 and 16, got " + workers);
    }
    if (ha) {
      return new HaDemo(out, workers, slots).call();
    }
    Path dir = Files.createTempDirectory("spc-demo-");
    ProcessCluster cluster = new ProcessCluster(dir);
    Thread hook = Thread.ofPlatform().unstarted(() -> {
      interrupted = true;
      out.println("\ninterrupted: stopping the workers and the coordinator...");
      cluster.close();
    });
    Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: no process left behind
    try {
      out.println("SPC demo: starting a coordinator and " + workers + " worker agents"
          + " (separate JVMs; logs in " + dir + ")");
      // The dashboard on its usual port when that is free (another coordinator may hold it).
      boolean dashboard = free(7071);
      cluster.startCoordinator(List.of("--heartbeat-interval", "500ms", "--heartbeat-timeout", "2s",
          "--http-port", dashboard ? "7071" : "0"));
      for (int i = 1; i <= workers; i++) {
        cluster.startWorker("worker-" + i, List.of("--slots", Integer.toString(slots),
            "--stop-grace", "1500ms", "--allow-exec"));
      }
      try (SpcClient spc = SpcClient.connect(cluster.target())) {
        awaitWorkers(spc, cluster);
        out.println("coordinator on " + cluster.target() + "; " + workers + " workers with "
            + slots + " slots each are connected" + (dashboard
                ? "; watch it at http://127.0.0.1:7071/" : "") + "\n");
        run(spc);
      } catch (dev.spc.client.SpcException e) {
        if (interrupted) {
          return 130; // Ctrl-C reached the children too; the hook is cleaning up
        }
        throw e;
      }
      out.println("\nstopping the workers and the coordinator...");
    } finally {
      cluster.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    out.println("done. Try it yourself:  bin/spc server  |  bin/spc worker --name w1"
        + "  |  bin/spc submit echo hi --wait");
    return ExitCodes.OK;
  }

  private static boolean free(int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private void awaitWorkers(SpcClient spc, ProcessCluster cluster) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (spc.workers().size() < workers) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("workers did not connect within 60s; see logs in " + cluster.dir());
      }
      Thread.sleep(50);
    }
  }

  private static final String SCHEDULE = "demo-every-2s";
  private boolean schedulePaused;

  private void run(SpcClient spc) throws InterruptedException {
    Map<String, Row> rows = new LinkedHashMap<>();
    add(rows, spc, "echo 'hello from SPC'", JobSpec.of("echo", "hello from SPC"));
    add(rows, spc, "sleep 2s", JobSpec.of("sleep", "2"));
    add(rows, spc, "sleep 1s, priority 5", JobSpec.newBuilder("sleep").args("1").priority(5).build());
    add(rows, spc, "fail: a handler that throws", JobSpec.of("fail", "simulated crash"));
    add(rows, spc, "flaky: fails twice, 3 attempts", JobSpec.newBuilder("flaky").args("2")
        .retry(dev.spc.client.RetryPolicy.attempts(3).backoff(Duration.ofMillis(700),
            Duration.ofSeconds(2)).build()).build());
    add(rows, spc, "echo, starts in 3s", JobSpec.newBuilder("echo").args("later")
        .startAfter(Duration.ofSeconds(3)).build());
    add(rows, spc, "sleep 30s with max 2s", JobSpec.newBuilder("sleep").args("30").maxSeconds(2).build());
    add(rows, spc, "spin 3s ignoring stop, max 1s",
        JobSpec.newBuilder("spin").args("3").maxSeconds(1).build());
    JobId program = add(rows, spc, "exec: a shell loop, output live",
        JobSpec.newBuilder("exec").args("sh", "-c",
            "for i in 1 2 3 4 5 6; do echo \"step $i of 6 on $(hostname)\"; sleep 0.5; done").build());
    java.util.concurrent.CompletableFuture<?> unused = spc.watch(program, e -> {
      if (e.kind() == dev.spc.client.JobEvent.Kind.LOG) {
        lastLine.put(program, e.text());
      }
    });
    JobId toCancel = add(rows, spc, "sleep 60s, cancelled at 2s", JobSpec.of("sleep", "60"));
    JobId orphan = add(rows, spc, "resize: no worker has it", JobSpec.of("resize", "cat.png"));
    dag(rows, spc);
    List<JobSpec> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(JobSpec.of("noop"));
    }
    rows.put("batch", new Row("50 x noop, one batch", spc.submitAll(batch)));
    spc.schedules().create(dev.spc.client.ScheduleSpec.every(SCHEDULE, Duration.ofSeconds(2))
        .job(JobSpec.of("echo", "tick")).build());

    Instant start = Instant.now();
    Live live = new Live(out);
    boolean cancelled = false;
    boolean orphanCancelled = false;
    while (true) {
      Duration elapsed = Duration.between(start, Instant.now());
      if (!cancelled && elapsed.toMillis() >= 2000) {
        spc.cancel(toCancel);
        cancelled = true;
      }
      if (!orphanCancelled && elapsed.toMillis() >= 4000) {
        spc.cancel(orphan);
        orphanCancelled = true;
      }
      List<String[]> table = new ArrayList<>();
      table.add(new String[] {"JOB", "ID", "STATE", "WORKER", "DETAIL"});
      boolean allDone = true;
      for (Row row : rows.values()) {
        String[] line = render(spc, row);
        allDone &= line[2].startsWith("DONE");
        table.add(line);
      }
      String[] scheduled = renderSchedule(spc);
      allDone &= scheduled[2].startsWith("DONE");
      table.add(scheduled);
      live.frame(table, String.format(java.util.Locale.ROOT, "t=%.1fs", elapsed.toMillis() / 1000.0));
      if (allDone) {
        break;
      }
      Thread.sleep(200);
    }
    spc.schedules().delete(SCHEDULE);
    summary(spc, rows);
  }

  /** A schedule firing every 2 s: three fires, then it is paused. */
  private String[] renderSchedule(SpcClient spc) {
    List<JobStatus> made = spc.find(dev.spc.client.JobQuery.madeBy(SCHEDULE), 100, null).jobs();
    long done = made.stream().filter(JobStatus::isDone).count();
    if (made.size() >= 3 && !schedulePaused) {
      spc.schedules().pause(SCHEDULE);
      schedulePaused = true;
    }
    String state = schedulePaused && done == made.size() ? "DONE x" + done : "ACTIVE";
    String last = made.isEmpty() ? "first fire in 2s"
        : made.size() + " fired, the last for " + made.get(made.size() - 1).scheduledFor();
    return new String[] {"schedule: echo every 2s", SCHEDULE, state, "(spread)", last};
  }

  /** A small graph in one batch: the failing branch cancels its dependents, the other completes. */
  private static void dag(Map<String, Row> rows, SpcClient spc) {
    dev.spc.client.Batch dag = dev.spc.client.Batch.create();
    var fetch = dag.add(JobSpec.of("sleep", "1"));
    var parse = dag.add(JobSpec.of("echo", "parsed")).after(fetch);
    var publish = dag.add(JobSpec.of("echo", "published")).after(parse);
    var transform = dag.add(JobSpec.of("fail", "bad input")).after(fetch);
    var load = dag.add(JobSpec.of("echo", "loaded")).after(transform);
    var notify = dag.add(JobSpec.of("echo", "notified")).after(load, publish);
    List<JobId> ids = spc.submit(dag);
    String[] labels = {"dag: fetch", "dag: parse <- fetch", "dag: publish <- parse",
        "dag: transform <- fetch (fails)", "dag: load <- transform", "dag: notify <- load, publish"};
    for (var node : List.of(fetch, parse, publish, transform, load, notify)) {
      rows.put(labels[node.index()], new Row(labels[node.index()], List.of(ids.get(node.index()))));
    }
  }

  private JobId add(Map<String, Row> rows, SpcClient spc, String label, JobSpec spec) {
    JobId id = spc.submit(spec);
    rows.put(label, new Row(label, List.of(id)));
    return id;
  }

  private String[] render(SpcClient spc, Row row) {
    if (row.ids().size() == 1) {
      JobStatus s = spc.status(row.ids().get(0));
      String line = lastLine.get(s.id());
      String detail = !s.error().isEmpty() ? s.error()
          : s.result().length > 0 ? "result: " + s.resultText()
          : line != null ? "output: " + line
          : s.progress().isPresent() && !s.isDone()
              ? String.format(java.util.Locale.ROOT, "%s %3.0f%%", Follow.bar(s.progress().getAsDouble()),
                  s.progress().getAsDouble() * 100)
          : s.pendingReason();
      return new String[] {row.label(), s.id().value(), s.describe(), s.worker(),
          Format.printable(detail, 70)};
    }
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    for (JobId id : row.ids()) {
      counts.merge(spc.status(id).state(), 1, Integer::sum);
    }
    int done = counts.getOrDefault(JobState.DONE, 0);
    String state = done == row.ids().size() ? "DONE x" + done
        : counts.getOrDefault(JobState.RUNNING, 0) > 0 ? "RUNNING" : "PENDING";
    return new String[] {row.label(), row.ids().get(0) + "..", state, "(spread)",
        done + "/" + row.ids().size() + " done"};
  }

  private void summary(SpcClient spc, Map<String, Row> rows) {
    Map<DoneReason, Integer> reasons = new EnumMap<>(DoneReason.class);
    for (Row row : rows.values()) {
      for (JobId id : row.ids()) {
        spc.status(id).reason().ifPresent(r -> reasons.merge(r, 1, Integer::sum));
      }
    }
    out.println();
    out.println("outcomes: " + reasons);
    out.println("every job ended in exactly one outcome: finished (DONE), crashed (CRASHED),"
        + " ran past max_seconds (TIMEOUT) or cancelled (CANCELLED).");
  }

  /** Redraws the table in place on a terminal; prints only changed rows otherwise. */
  private static final class Live {
    private final PrintStream out;
    private final boolean ansi;
    private int lastLines;
    private final Map<String, String> lastState = new LinkedHashMap<>();

    Live(PrintStream out) {
      this.out = out;
      this.ansi = Terminal.isInteractive() && !"dumb".equals(System.getenv("TERM"));
    }

    void frame(List<String[]> table, String caption) {
      if (ansi) {
        StringBuilder sb = new StringBuilder();
        if (lastLines > 0) {
          sb.append("\033[").append(lastLines).append('F');
        }
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8);
        Format.table(ps, table);
        ps.println(caption);
        String text = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        for (String line : text.split("\n", -1)) {
          if (!line.isEmpty()) {
            sb.append("\033[2K").append(line).append('\n');
          }
        }
        lastLines = (int) text.chars().filter(c -> c == '\n').count();
        out.print(sb);
        out.flush();
        return;
      }
      for (int i = 1; i < table.size(); i++) {
        String[] r = table.get(i);
        String state = r[2] + (r[3].isEmpty() ? "" : " on " + r[3]);
        if (!state.equals(lastState.put(r[0], state))) {
          out.println(caption + "  " + r[0] + ": " + state + (r[4].isEmpty() ? "" : "  (" + r[4] + ")"));
        }
      }
    }

  }
}
