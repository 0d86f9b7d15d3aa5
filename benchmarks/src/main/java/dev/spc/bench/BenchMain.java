package dev.spc.bench;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobSpec;
import dev.spc.client.SpcClient;
import dev.spc.common.JavaLauncher;
import dev.spc.logging.LogSetup;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spc bench}: where SPC stands on this machine. Every number comes from separate
 * processes (coordinator, agents, this client) except the JMH section, which runs the loop
 * alone.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark SPC on this machine: burn-down, latency, transport baseline, per-process"
        + " cost, scale, and the state machine alone (JMH). 'bench failover': the failover time"
        + " of three coordinators on PostgreSQL.",
    subcommands = FailoverBench.class)
public final class BenchMain implements Callable<Integer> {
  /** Benchmark JVMs: G1 with a short pause goal (best p99 here), a heap that does not resize. */
  static final List<String> JVM = List.of("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=2", "-Xms512m", "-Xmx2g");

  @Option(names = "--jobs", description = "No-op jobs in the burn-down (default ${DEFAULT-VALUE}).")
  int jobs = 500_000;

  @Option(names = "--workers", description = "Worker agent processes (default ${DEFAULT-VALUE}).")
  int workers = 2;

  @Option(names = "--slots", description = "Slots per worker (default ${DEFAULT-VALUE}).")
  int slots = 1024;

  @Option(names = "--batch", description = "Jobs per SubmitJobs call (default ${DEFAULT-VALUE}).")
  int batch = 5000;

  @Option(names = "--in-flight", description = "SubmitJobs calls in flight (default ${DEFAULT-VALUE}).")
  int inFlight = 4;

  @Option(names = "--durable", description = "Run the burn-down and latency coordinator in durable mode (the log store, fsync per group commit) instead of in memory.")
  boolean durable;

  @Option(names = "--metrics", description = "Also run the burn-down with the HTTP port and its"
      + " metrics on (scraped every 5 s), alternating with the one without, and report the ratio.")
  boolean metrics;

  @Option(names = "--tls", description = "Also run the burn-down over TLS with bearer tokens, and"
      + " report it next to the plaintext one.")
  boolean tls;

  @Option(names = "--postgres", description = "Also run the burn-down with SQLite and with a local"
      + " PostgreSQL as the store (one coordinator with --store), and report them side by side.")
  boolean postgres;

  @Option(names = "--slot-threads", description = "What the agents run jobs on (their"
      + " --slot-threads; default ${DEFAULT-VALUE}, as for many short jobs).")
  dev.spc.worker.SlotThreads slotThreads = dev.spc.worker.SlotThreads.VIRTUAL;

  @Option(names = "--rate", description = "Submits per second in the latency run (default ${DEFAULT-VALUE}).")
  int rate = 10_000;

  @Option(names = "--latency-seconds", description = "Length of the latency run (default ${DEFAULT-VALUE}).")
  int latencySeconds = 10;

  @Option(names = "--transport-seconds", description = "Seconds of each transport baseline measurement: one per"
      + " window in flight, then the ping-pong, after warm-up rounds half as long (default ${DEFAULT-VALUE}).")
  int transportSeconds = 5;

  @Option(names = "--pending", description = "Pending jobs held in the memory test (default ${DEFAULT-VALUE}).")
  int pending = 1_000_000;

  @Option(names = "--agents", description = "Simulated agents in the scale test (default ${DEFAULT-VALUE}).")
  int agents = 10_000;

  @Option(names = "--recovery-jobs", description = "Stored jobs in the durable section's restart (default ${DEFAULT-VALUE}).")
  int recoveryJobs = 1_000_000;

  @Option(names = "--skip", split = ",", description = "Sections to skip: transport, burndown, latency, durable, scale, timers, jmh.")
  List<String> skip = new ArrayList<>();

  @Option(names = "--jvm", split = ",", description = "JVM flags of the coordinator and agents (default ${DEFAULT-VALUE}).")
  List<String> jvmFlags = new ArrayList<>(JVM);

  @Option(names = "--jobs-together", description = "Also run the burn-down with each job on one of"
      + " 1,000 concurrency keys and with a constraint its agents' labels meet, on the same cluster.")
  boolean jobsTogether;

  @Option(names = "--jfr", description = "Record a JFR profile of every process into the log directory.")
  boolean jfr;

  @Option(names = "--markdown", description = "Also write the results table as markdown to this file.")
  Path markdown;

  final PrintStream out = System.out;
  /** The transport baseline's figures, its ping-pong percentiles among them (null when skipped). */
  private TransportBaseline.@Nullable Result baseline;
  private final List<String[]> rows = new ArrayList<>();

  public static void main(String[] args) {
    LogSetup.configure(java.util.logging.Level.WARNING);
    System.exit(new CommandLine(new BenchMain()).setCaseInsensitiveEnumValuesAllowed(true)
        .execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = LogDir.create();
    try {
      return run(dir);
    } finally {
      LogDir.dropStores(dir);
    }
  }

  private int run(Path dir) throws Exception {
    out.printf(Locale.ROOT, "SPC bench on %d cores, %s; logs in %s%n",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), dir);
    double transport = Double.NaN;
    double jobsPerSecond = Double.NaN;
    Latency.Result latency = null;
    if (!skip.contains("transport")) {
      transport = transport(dir);
    }
    if (!skip.contains("burndown") || !skip.contains("latency")) {
      List<String> jvm = new ArrayList<>(jvmFlags);
      if (jfr) {
        jvm.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + dir);
      }
      try (ProcessCluster cluster = new ProcessCluster(dir, jvm)) {
        startCluster(cluster, dir, List.of(), jobsTogether ? List.of("--label", "zone=bench") : List.of());
        try (SpcClient spc = SpcClient.connect(cluster.target())) {
          awaitWorkers(spc);
          if (!skip.contains("burndown")) {
            jobsPerSecond = burndown(spc, cluster, transport, "");
          }
          if (jobsTogether && !skip.contains("burndown")) {
            out.printf(Locale.ROOT, "burn-down with 1,000 concurrency keys and a constraint on every job...%n");
            java.util.function.IntFunction<JobSpec> keyed = i -> JobSpec.newBuilder("noop")
                .concurrencyKey("key-" + (i % 1000)).constraint("zone", "*").build();
            Burndown.warmUp(spc, jobs, batch, inFlight, keyed);
            Burndown.Result r = Burndown.run(spc, jobs, batch, inFlight, keyed);
            row("burn-down", "keys+constraints jobs/s (1,000 keys)", fmt(r.jobsPerSecond()));
            row("burn-down", "keys+constraints / plain jobs/s", String.format(Locale.ROOT, "%.3f",
                r.jobsPerSecond() / jobsPerSecond));
          }
          if (!skip.contains("latency")) {
            latency = latency(spc, cluster);
          }
        }
      }
      if (metrics && !skip.contains("burndown")) {
        MetricsBurndown.run(this, dir, jvm);
      }
      if (tls && !skip.contains("burndown")) {
        Path tlsDir = Files.createDirectories(dir.resolve("tls"));
        Secured s = Secured.make(tlsDir);
        try (ProcessCluster cluster = new ProcessCluster(tlsDir, jvm)) {
          startCluster(cluster, tlsDir, s.serverArgs(), s.workerArgs());
          try (SpcClient spc = SpcClient.newBuilder().target(cluster.target())
              .tlsCa(s.ca()).token(s.clientToken()).build()) {
            awaitWorkers(spc);
            double secured = burndown(spc, cluster, transport, " TLS+tokens");
            row("burn-down", "TLS+tokens / plaintext jobs/s", String.format(Locale.ROOT, "%.3f",
                secured / jobsPerSecond));
          }
        }
      }
    }
    double logged = Double.NaN;
    double sqlite = Double.NaN;
    if (!skip.contains("durable") && !skip.contains("burndown") && !durable) {
      logged = DurableBench.burndown(this, dir, jvmFlags, DurableBench.Engine.LOG);
      sqlite = DurableBench.burndown(this, dir, jvmFlags, DurableBench.Engine.SQLITE);
      row("durable", "durable (log store) / in-memory jobs/s", String.format(Locale.ROOT, "%.3f",
          logged / jobsPerSecond));
      row("durable", "durable (SQLite) / in-memory jobs/s", String.format(Locale.ROOT, "%.3f",
          sqlite / jobsPerSecond));
      DurableBench.recovery(this, dir, jvmFlags, recoveryJobs);
    }
    if (postgres && !skip.contains("burndown")) {
      storeBurndowns(dir, jobsPerSecond, sqlite, jvmFlags);
    }
    double idleAgents = Double.NaN;
    if (!skip.contains("scale")) {
      idleAgents = scale(dir);
    }
    if (!skip.contains("timers")) {
      Timers.run(dir, jvmFlags, pending, this::row, out);
    }
    if (!skip.contains("jmh")) {
      jmh();
    }
    out.println();
    printTable();
    if (markdown != null) {
      writeMarkdown();
    }
    out.printf(Locale.ROOT, "SUMMARY jobs_per_s=%.0f p50_start_ms=%.3f p99_start_ms=%.3f transport_ratio=%.3f"
        + " durable_ratio=%.3f idle_agents_cpu_pct=%.2f peers_ratio_min=%s%n",
        jobsPerSecond,
        latency == null ? Double.NaN : latency.pct(latency.startMs(), 50),
        latency == null ? Double.NaN : latency.pct(latency.startMs(), 99),
        jobsPerSecond / transport, logged / jobsPerSecond, idleAgents,
        // benchmarks/peers/run.sh measures the peers and prints its own SUMMARY with the figure
        "NaN");
    return 0;
  }

  void row(String section, String metric, String value) {
    rows.add(new String[] {section, metric, value});
    out.printf(Locale.ROOT, "  %-12s %-44s %s%n", section, metric, value);
  }

  private double transport(Path dir) throws Exception {
    out.println("transport baseline: raw grpc-java bidi streaming between two processes...");
    try (ProcessCluster c = new ProcessCluster(dir, JVM)) {
      TransportBaseline.Result t = TransportBaseline.measure(c, dir, transportSeconds);
      row("transport", "streaming round trips/s (best at " + t.window() + " in flight)",
          fmt(t.roundTripsPerSecond()));
      row("transport", "ping-pong round trip p50 / p99 / p99.9 ms", String.format(Locale.ROOT,
          "%.3f / %.3f / %.3f", t.p50(), t.p99(), t.p999()));
      baseline = t;
      return t.roundTripsPerSecond();
    }
  }

  /** Until the coordinator (with --store, a standby at first) leads. */
  private static void awaitLeading(SpcClient spc) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (spc.cluster().role().equals("leader")) {
          return;
        }
      } catch (dev.spc.client.SpcException e) {
        // standing by, or between the standby's listener and the leader's
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the coordinator did not lead within 60s");
      }
      Thread.sleep(50);
    }
  }

  void awaitWorkers(SpcClient spc) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (spc.workers().size() < workers) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("workers did not connect");
      }
      Thread.sleep(20);
    }
  }

  /** The burn-down with SQLite and with PostgreSQL as the store, next to the main run's figure. */
  private void storeBurndowns(Path dir, double main, double sqliteRate, List<String> jvm)
      throws Exception {
    if (!dev.spc.cli.local.LocalPostgres.installed()) {
      row("burn-down", "PostgreSQL store", "skipped: " + dev.spc.cli.local.LocalPostgres.INSTALL_HINT);
      return;
    }
    double sqlite = Double.isNaN(sqliteRate) ? DurableBench.burndown(this, dir, jvm, DurableBench.Engine.SQLITE) : sqliteRate;
    Path pgDir = Files.createDirectories(dir.resolve("postgres"));
    try (dev.spc.cli.local.LocalPostgres pg = dev.spc.cli.local.LocalPostgres.start();
        ProcessCluster cluster = new ProcessCluster(pgDir, jvm)) {
      startCluster(cluster, pgDir, List.of("--store", pg.url()), List.of());
      try (SpcClient spc = SpcClient.connect(cluster.target())) {
        awaitLeading(spc);
        awaitWorkers(spc);
        double pgJobs = burndown(spc, cluster, Double.NaN, " PostgreSQL store");
        row("burn-down", "PostgreSQL / SQLite store jobs/s", String.format(Locale.ROOT, "%.3f",
            pgJobs / sqlite));
        row("burn-down", "PostgreSQL store / main run jobs/s", String.format(Locale.ROOT, "%.3f",
            pgJobs / main));
      }
    }
  }

  void startCluster(ProcessCluster cluster, Path dir, List<String> serverArgs,
      List<String> workerArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("--log-level", "warn", "--max-done", "2000000"));
    if (serverArgs.stream().noneMatch(a -> a.equals("--store") || a.startsWith("--data-dir"))) {
      args.add(durable ? "--data-dir=" + dir.resolve("data") : "--in-memory");
    }
    args.addAll(serverArgs);
    cluster.startCoordinator(args);
    for (int i = 1; i <= workers; i++) {
      List<String> w = new ArrayList<>(List.of("--slots", Integer.toString(slots),
          "--slot-threads", slotThreads.name(), "--log-level", "warn"));
      w.addAll(workerArgs);
      cluster.startWorker("bench-" + i, w);
    }
  }

  double burndown(SpcClient spc, ProcessCluster cluster, double transport, String how)
      throws Exception {
    out.printf(Locale.ROOT, "burn-down%s: %d no-op jobs, %d workers x %d slots (%s threads),"
        + " batches of %d...%n", how, jobs, workers, slots,
        slotThreads.name().toLowerCase(Locale.ROOT), batch);
    Burndown.warmUp(spc, jobs, batch, inFlight);
    ProcStats before = ProcStats.of(cluster.coordinator().pid());
    double agentsBefore = agentsCpuSeconds(cluster);
    var jitBefore = ProcStats.compilerThreads(cluster.coordinator().pid());
    Burndown.Result r = Burndown.run(spc, jobs, batch, inFlight);
    double jit = Latency.compilingSeconds(jitBefore, ProcStats.compilerThreads(cluster.coordinator().pid()));
    ProcStats coord = ProcStats.of(cluster.coordinator().pid());
    double agentsCpu = agentsCpuSeconds(cluster) - agentsBefore;
    row("burn-down", (durable || how.contains("store") ? "durable" : "in-memory") + how
        + " jobs/s (" + jobs + " no-op, "
        + workers + "x" + slots + " slots)",
        fmt(r.jobsPerSecond()));
    row("burn-down", "exactly N DONE", r.stats().finishedDoneTotal() >= jobs ? "yes" : "NO");
    if (!Double.isNaN(transport)) {
      row("burn-down", "fraction of transport round trips/s", String.format(Locale.ROOT, "%.3f",
          r.jobsPerSecond() / transport));
    }
    double coordCpu = coord.cpuSeconds() - before.cpuSeconds();
    row("cost", "coordinator CPU us per job" + how, String.format(Locale.ROOT, "%.2f", coordCpu * 1e6 / jobs));
    row("cost", "coordinator JIT compilers' CPU during the run" + how, String.format(Locale.ROOT, "%.2f s", jit));
    row("cost", "agents' CPU us per job" + how, String.format(Locale.ROOT, "%.2f", agentsCpu * 1e6 / jobs));
    row("cost", "coordinator CPU s / peak RSS", String.format(Locale.ROOT, "%.2f s / %s",
        coord.cpuSeconds(), ProcStats.mib(coord.peakRssBytes())));
    for (ProcessCluster.Node n : clusterWorkers(cluster)) {
      ProcStats s = ProcStats.of(n.pid());
      row("cost", n.name() + " CPU s / peak RSS", String.format(Locale.ROOT, "%.2f s / %s",
          s.cpuSeconds(), ProcStats.mib(s.peakRssBytes())));
    }
    ProcStats me = ProcStats.of(ProcessHandle.current().pid());
    row("cost", "client (this process) CPU s / peak RSS", String.format(Locale.ROOT, "%.2f s / %s",
        me.cpuSeconds(), ProcStats.mib(me.peakRssBytes())));
    return r.jobsPerSecond();
  }

  private double agentsCpuSeconds(ProcessCluster cluster) {
    double sum = 0;
    for (ProcessCluster.Node n : clusterWorkers(cluster)) {
      sum += ProcStats.of(n.pid()).cpuSeconds();
    }
    return sum;
  }

  private List<ProcessCluster.Node> clusterWorkers(ProcessCluster cluster) {
    return cluster.nodes().stream().filter(n -> n.name().startsWith("bench-")).toList();
  }

  private Latency.Result latency(SpcClient spc, ProcessCluster cluster) throws Exception {
    out.printf(Locale.ROOT, "latency: %d single submits/s for %ds...%n", rate, latencySeconds);
    List<Long> pids = new ArrayList<>(cluster.nodes().stream().map(ProcessCluster.Node::pid).toList());
    pids.add(ProcessHandle.current().pid());
    int rounds = Latency.warmUp(spc, rate, pids);
    row("latency", "warm-up until the JITs settled", String.format(Locale.ROOT, "%d s%s",
        rounds * Latency.WARM_UP_ROUND.toSeconds(), rounds == Latency.MAX_WARM_UP_ROUNDS ? " (not settled)" : ""));
    Latency.Result r = Latency.run(spc, rate, Duration.ofSeconds(latencySeconds));
    row("latency", "submits/s achieved", fmt(r.achievedRate()));
    row("latency", "submit->start p50 / p99 / p99.9 ms", String.format(Locale.ROOT, "%.3f / %.3f / %.3f",
        r.pct(r.startMs(), 50), r.pct(r.startMs(), 99), r.pct(r.startMs(), 99.9)));
    row("latency", "submit->done p50 / p99 / p99.9 ms", String.format(Locale.ROOT, "%.3f / %.3f / %.3f",
        r.pct(r.doneMs(), 50), r.pct(r.doneMs(), 99), r.pct(r.doneMs(), 99.9)));
    if (baseline != null) {
      row("latency", "submit->start p99 / transport ping-pong p99", String.format(Locale.ROOT, "%.2f",
          r.pct(r.startMs(), 99) / baseline.p99()));
    }
    return r;
  }

  /** Returns what the connected agents cost the coordinator, in % of one core over idle. */
  private double scale(Path dir) throws Exception {
    out.printf(Locale.ROOT, "scale: %d pending jobs, then %d simulated agents...%n", pending, agents);
    try (ProcessCluster c = new ProcessCluster(dir, jvmFlags)) {
      var coord = c.startCoordinator(List.of("--log-level", "warn", "--in-memory",
          "--max-pending", Integer.toString(Math.max(pending, 1_000_000))));
      try (SpcClient spc = SpcClient.connect(c.target())) {
        List<JobSpec> specs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
          specs.add(JobSpec.of("noop"));
        }
        for (int n = 0; n < pending; n += specs.size()) {
          spc.submitAll(specs.subList(0, Math.min(specs.size(), pending - n)));
        }
        long heap = heapUsedAfterGc(coord.pid());
        row("scale", pending + " pending jobs: coordinator heap after GC", ProcStats.mib(heap));
        row("scale", pending + " pending jobs: coordinator RSS", ProcStats.mib(ProcStats.of(coord.pid()).rssBytes()));
        double idle = cpuPercent(coord.pid(), Duration.ofSeconds(5));
        row("scale", "no agents: coordinator CPU (idle baseline)",
            String.format(Locale.ROOT, "%.2f %% of one core", idle));
        try (SimulatedAgents sim = new SimulatedAgents(c.target(), agents, 100)) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (sim.registered() < agents && System.nanoTime() < deadline) {
            Thread.sleep(50);
          }
          Thread.sleep(3000); // settle: registrations done, heartbeats spread out
          double busy = cpuPercent(coord.pid(), Duration.ofSeconds(10));
          row("scale", sim.registered() + " idle agents: coordinator CPU",
              String.format(Locale.ROOT, "%.2f %% of one core (%.2f %% over idle)", busy, busy - idle));
          row("scale", "workers listed by the coordinator", Integer.toString(spc.stats().workers()));
          return busy - idle;
        }
      }
    }
  }

  private static double cpuPercent(long pid, Duration over) throws InterruptedException {
    ProcStats a = ProcStats.of(pid);
    long t0 = System.nanoTime();
    Thread.sleep(over.toMillis());
    ProcStats b = ProcStats.of(pid);
    return 100 * (b.cpuSeconds() - a.cpuSeconds()) / ((System.nanoTime() - t0) / 1e9);
  }

  static long heapUsedAfterGc(long pid) throws Exception {
    String jcmd = Path.of(JavaLauncher.javaBinary()).resolveSibling("jcmd").toString();
    run(jcmd, Long.toString(pid), "GC.run");
    String info = run(jcmd, Long.toString(pid), "GC.heap_info");
    // Sum the heap's generations ("PSYoungGen ... used NK", "ParOldGen ... used NK", or one G1
    // "garbage-first heap ... used NK"); Metaspace is not heap.
    long used = 0;
    for (String line : info.split("\n", -1)) {
      Matcher m = Pattern.compile("used (\\d+)K").matcher(line);
      if (!line.contains("Metaspace") && !line.contains("class space") && m.find()) {
        used += Long.parseLong(m.group(1)) * 1024;
      }
    }
    return used == 0 ? -1 : used;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return s;
  }

  private void jmh() throws Exception {
    out.println("state machine alone (JMH): submit -> lease -> finish, batches of 1000...");
    var opts = new OptionsBuilder()
        .include(dev.spc.bench.jmh.LoopBenchmark.class.getName())
        .forks(1)
        .warmupIterations(3)
        .warmupTime(TimeValue.seconds(2))
        .measurementIterations(5)
        .measurementTime(TimeValue.seconds(2))
        .jvmArgsPrepend(JavaLauncher.quietFlags().toArray(String[]::new))
        .jvmArgsAppend("-XX:+UseG1GC", "-Xms1g", "-Xmx1g", "-Dspc.log.level=warn")
        .shouldFailOnError(true)
        .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT)
        .build();
    for (RunResult r : new Runner(opts).run()) {
      var p = r.getPrimaryResult();
      row("loop (JMH)", "jobs/s submit->lease->finish, no network, " + r.getParams().getParam("shape")
          + ", metrics " + r.getParams().getParam("metrics") + ", store " + r.getParams().getParam("store"),
          String.format(Locale.ROOT, "%s +- %s", fmt(p.getScore()), fmt(p.getScoreError())));
    }
  }

  private void printTable() {
    int[] w = new int[3];
    for (String[] r : rows) {
      for (int i = 0; i < 3; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      out.printf(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %s%n", r[0], r[1], r[2]);
    }
  }

  private void writeMarkdown() throws Exception {
    StringBuilder sb = new StringBuilder();
    sb.append("| section | metric | value |\n|---|---|---|\n");
    for (String[] r : rows) {
      sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n");
    }
    sb.append("\n").append(LocalDate.now(java.time.ZoneId.systemDefault())).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ").append(Runtime.version()).append('\n');
    Files.writeString(markdown, sb.toString());
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }
}
