package dev.spc.bench;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.SpcClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code bench --metrics}: what the HTTP port's metrics cost the burn-down. */
final class MetricsBurndown {
  private static final int ROUNDS = 5;

  /** One burn-down's jobs/s; {@code cpu[0]} gets the coordinator's CPU seconds it took. */
  private static double measured(SpcClient spc, ProcessCluster cluster, BenchMain b, double[] cpu)
      throws Exception {
    long pid = cluster.coordinator().pid();
    double before = ProcStats.of(pid).cpuSeconds();
    double rate = Burndown.run(spc, b.jobs, b.batch, b.inFlight).jobsPerSecond();
    cpu[0] = ProcStats.of(pid).cpuSeconds() - before;
    return rate;
  }

  private MetricsBurndown() {}

  /**
   * The burn-down with /metrics on (scraped every 5 s) against the same without: two clusters
   * side by side, warmed alike, {@link #ROUNDS} rounds that alternate which goes first. Each
   * round's on/off ratio compares two runs seconds apart, so the machine's drift over minutes
   * cancels out; the median of those ratios is the figure, and their range shows the noise.
   */
  static void run(BenchMain b, Path dir, List<String> jvm) throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest scrape = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build();
    b.out.printf(Locale.ROOT, "burn-down with metrics on and off, alternating, %d rounds...%n", ROUNDS);
    Path offDir = Files.createDirectories(dir.resolve("metrics-off"));
    Path onDir = Files.createDirectories(dir.resolve("metrics-on"));
    try (ProcessCluster offCluster = new ProcessCluster(offDir, jvm);
        ProcessCluster onCluster = new ProcessCluster(onDir, jvm)) {
      b.startCluster(offCluster, offDir, List.of("--http-port", "0"), List.of());
      b.startCluster(onCluster, onDir, List.of("--http-port", Integer.toString(port)), List.of());
      try (SpcClient off = SpcClient.connect(offCluster.target());
          SpcClient on = SpcClient.connect(onCluster.target())) {
        b.awaitWorkers(off);
        b.awaitWorkers(on);
        Burndown.warmUp(off, b.jobs, b.batch, b.inFlight); // alike
        Burndown.warmUp(on, b.jobs, b.batch, b.inFlight);
        java.util.concurrent.atomic.AtomicLong scrapes = new java.util.concurrent.atomic.AtomicLong();
        Thread scraper = Thread.ofPlatform().daemon().start(() -> {
          try {
            while (!Thread.currentThread().isInterrupted()) {
              if (http.send(scrape, java.net.http.HttpResponse.BodyHandlers.ofByteArray()).statusCode() == 200) {
                scrapes.incrementAndGet();
              }
              Thread.sleep(5000);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (java.io.IOException e) {
            b.out.printf(Locale.ROOT, "scrape failed: %s%n", e.getMessage());
          }
        });
        double[] offRate = new double[ROUNDS];
        double[] onRate = new double[ROUNDS];
        double[] ratio = new double[ROUNDS];
        double[] cpuRatio = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
          double[] offCpu = new double[1];
          double[] onCpu = new double[1];
          if (round % 2 == 0) {
            offRate[round] = measured(off, offCluster, b, offCpu);
            onRate[round] = measured(on, onCluster, b, onCpu);
          } else {
            onRate[round] = measured(on, onCluster, b, onCpu);
            offRate[round] = measured(off, offCluster, b, offCpu);
          }
          ratio[round] = onRate[round] / offRate[round];
          cpuRatio[round] = onCpu[0] / offCpu[0];
        }
        scraper.interrupt();
        java.util.Arrays.sort(offRate);
        java.util.Arrays.sort(onRate);
        java.util.Arrays.sort(ratio);
        int mid = ROUNDS / 2;
        b.row("burn-down", "metrics on jobs/s (median of " + ROUNDS + ", " + scrapes.get() + " scrapes)",
            BenchMain.fmt(onRate[mid]));
        b.row("burn-down", "metrics off jobs/s (median of " + ROUNDS + ")", BenchMain.fmt(offRate[mid]));
        b.row("burn-down", "metrics on / off jobs/s (median of the rounds' ratios; range)",
            String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", ratio[mid], ratio[0], ratio[ROUNDS - 1]));
        java.util.Arrays.sort(cpuRatio);
        b.row("burn-down", "metrics on / off coordinator CPU per job (median; range)",
            String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", cpuRatio[mid], cpuRatio[0], cpuRatio[ROUNDS - 1]));
      }
    }
  }

}
