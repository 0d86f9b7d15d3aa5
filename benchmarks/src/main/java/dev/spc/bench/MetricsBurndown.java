package dev.spc.bench;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.SpcClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code bench --metrics}: what the HTTP port's metrics cost the burn-down. */
final class MetricsBurndown {
  private MetricsBurndown() {}

  /**
   * The burn-down with /metrics on (scraped every 5 s) against the same without: two clusters
   * side by side, warmed alike, three rounds that alternate which goes first; the ratio of the
   * medians.
   */
  static void run(BenchMain b, Path dir, List<String> jvm) throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest scrape = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build();
    b.out.printf(Locale.ROOT, "burn-down with metrics on and off, alternating, 3 rounds...%n");
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
        Burndown.run(off, Math.min(b.jobs, 100_000), b.batch, b.inFlight); // warm-up, alike
        Burndown.run(on, Math.min(b.jobs, 100_000), b.batch, b.inFlight);
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
        double[] offRate = new double[3];
        double[] onRate = new double[3];
        for (int round = 0; round < 3; round++) {
          if (round % 2 == 0) {
            offRate[round] = Burndown.run(off, b.jobs, b.batch, b.inFlight).jobsPerSecond();
            onRate[round] = Burndown.run(on, b.jobs, b.batch, b.inFlight).jobsPerSecond();
          } else {
            onRate[round] = Burndown.run(on, b.jobs, b.batch, b.inFlight).jobsPerSecond();
            offRate[round] = Burndown.run(off, b.jobs, b.batch, b.inFlight).jobsPerSecond();
          }
        }
        scraper.interrupt();
        java.util.Arrays.sort(offRate);
        java.util.Arrays.sort(onRate);
        b.row("burn-down", "metrics on jobs/s (median of 3, " + scrapes.get() + " scrapes)", BenchMain.fmt(onRate[1]));
        b.row("burn-down", "metrics off jobs/s (median of 3)", BenchMain.fmt(offRate[1]));
        b.row("burn-down", "metrics on / off jobs/s", String.format(Locale.ROOT, "%.3f", onRate[1] / offRate[1]));
      }
    }
  }

}
