package dev.spc.server.metrics;

import dev.spc.proto.DoneReason;
import dev.spc.proto.Stats;
import dev.spc.server.loop.LoopMetrics;
import dev.spc.server.loop.LoopSnapshot;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The coordinator's Prometheus metrics (docs/metrics.md). Events the loop reports
 * ({@link LoopMetrics}, on the loop thread) go to counters and histograms whose data points are
 * looked up once per job type, so a job costs a few additions; gauges (pending by type and
 * priority, oldest pending age, running, workers, ...) are read from one {@link LoopSnapshot} per
 * scrape, which the loop makes on its own thread. Also JVM metrics, gRPC server calls
 * ({@link GrpcMetrics}) and storage commits.
 */
public final class CoordinatorMetrics implements LoopMetrics, AutoCloseable {
  /** Seconds between two samples of the dashboard's history. */
  private static final int HISTORY_SECONDS = 5;

  private static final double[] SECONDS = java.util.Arrays.copyOf(LoopCounts.SECONDS,
      LoopCounts.SECONDS.length - 1);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Histogram commitSeconds = Histogram.builder().name("spc_store_commit_seconds")
      .help("Duration of one group commit to storage.").classicOnly().withoutExemplars().classicUpperBounds(SECONDS)
      .register(registry);
  private final Histogram commitRows = Histogram.builder().name("spc_store_commit_jobs")
      .help("Changed jobs per group commit.").classicOnly().withoutExemplars()
      .classicExponentialUpperBounds(1, 4, 9).register(registry);
  private final GrpcMetrics grpc = new GrpcMetrics(registry);

  /** Loop thread only. */
  private final LoopCounts counts = new LoopCounts();

  private final Snapshots snapshots;
  private final History history = new History(HISTORY_SECONDS);
  private final java.util.concurrent.ScheduledExecutorService sampler =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("spc-history").factory());

  /**
   * @param snapshot asks the loop for a snapshot and waits for it at most the given time; null
   *     when the loop does not answer
   */
  public CoordinatorMetrics(SnapshotSource snapshot) {
    this.snapshots = new Snapshots(snapshot);
    JvmMetrics.builder().register(registry);
    registerGauges();
  }

  /** Asks the loop for a snapshot, waiting at most {@code millis}; null if it did not answer. */
  public interface SnapshotSource {
    @Nullable LoopSnapshot get(long millis) throws InterruptedException;
  }

  /**
   * Serves {@code /metrics} and the dashboard's {@code /v1/history} on {@code http}, and starts
   * sampling the history.
   */
  public void serveOn(dev.spc.server.http.HttpGateway http) {
    http.mount("/metrics", this::write).mount("/v1/history", history::write);
    sampler.scheduleAtFixedRate(() -> snapshots.with(s -> history.sample(System.currentTimeMillis(), s)),
        0, HISTORY_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }

  public GrpcMetrics grpc() {
    return grpc;
  }

  @Override
  public void started(String type, long waitedNanos) {
    LoopCounts.of(counts.wait, type).observe(waitedNanos / 1e9);
  }

  @Override
  public void finished(String type, DoneReason reason, long ranNanos) {
    long[] byReason = counts.finished.get(type);
    if (byReason == null) {
      byReason = new long[LoopCounts.REASONS];
      counts.finished.put(type, byReason);
    }
    int n = reason.getNumber();
    byReason[n >= 0 && n < LoopCounts.REASONS ? n : 0]++;
    if (ranNanos >= 0) {
      LoopCounts.of(counts.run, type).observe(ranNanos / 1e9);
    }
  }

  @Override
  public void workerLost() {
    counts.workersLost++;
  }

  @Override
  public void batch(int messages, long busyNanos) {
    counts.batches.observe(messages);
    counts.busyNanos += busyNanos;
  }

  @Override
  public Object copy() {
    return counts.copy();
  }

  /** A group commit of {@code rows} jobs took {@code nanos}; on the writer's thread. */
  public void committed(int rows, long nanos) {
    commitSeconds.observe(nanos / 1e9);
    commitRows.observe(rows);
  }

  /** Writes every metric in the Prometheus text format; returns the content type. */
  public String write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
    return writer.getContentType();
  }


  private void registerGauges() {
    registry.register(new LoopCollector(snapshots));
    gauge("spc_jobs_pending", "Pending jobs by type and priority (not those a full concurrency"
        + " key holds back).", cb -> snapshots.with(s -> {
          for (LoopSnapshot.Pending p : s.pending()) {
            cb.call(p.count(), p.type(), Integer.toString(p.priority()));
          }
        }), "type", "priority");
    gauge("spc_jobs_oldest_pending_seconds", "How long the longest-waiting pending job of each"
        + " type has waited.", cb -> snapshots.with(s -> s.oldestPendingSeconds()
            .forEach((t, v) -> cb.call(v, t))), "type");
    gauge("spc_jobs_running", "Running jobs by type.", cb -> snapshots.with(s -> s.running()
        .forEach((t, n) -> cb.call(n, t))), "type");
    stat("spc_jobs_scheduled", "Jobs waiting for their start time or a retry's backoff.", Stats::getScheduled);
    stat("spc_jobs_blocked", "Jobs waiting for their dependencies.", Stats::getBlocked);
    stat("spc_workers_connected", "Connected workers.", Stats::getWorkers);
    stat("spc_worker_slots", "Slots of the connected workers.", Stats::getSlots);
    stat("spc_worker_slots_busy", "Slots running a job.", Stats::getBusySlots);
    stat("spc_waiters", "Calls waiting for jobs to finish.", Stats::getWaiters);
    stat("spc_access_level", "The access level (the lowest priority admitted).", Stats::getAccessLevel);
    snapshotGauge("spc_jobs_held_by_keys", "Pending jobs a full concurrency key holds back.",
        LoopSnapshot::heldByKeys);
    snapshotGauge("spc_leases_unsent", "Leases held back by flow control (a worker's stream not"
        + " ready).", LoopSnapshot::unsentLeases);
    snapshotGauge("spc_worker_slots_stuck", "Slots whose job would not stop.", LoopSnapshot::stuckSlots);
    snapshotGauge("spc_metrics_snapshot_ok", "1 when the event loop answered this scrape in time.",
        s -> 1);
    counter("spc_jobs_submitted_total", "Jobs accepted.", Stats::getSubmittedTotal);
    counter("spc_job_retries_total", "Attempts retried after their backoff.", Stats::getRetriesTotal);
    counter("spc_schedule_fires_total", "Jobs started by schedules.", Stats::getScheduleFiresTotal);
  }

  private void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> cb, String... labels) {
    GaugeWithCallback.builder().name(name).help(help).labelNames(labels).callback(cb).register(registry);
  }

  private void stat(String name, String help, ToDoubleFunction<Stats> f) {
    gauge(name, help, cb -> snapshots.with(s -> cb.call(f.applyAsDouble(s.stats()))));
  }

  private void snapshotGauge(String name, String help, ToDoubleFunction<LoopSnapshot> f) {
    gauge(name, help, cb -> snapshots.with(s -> cb.call(f.applyAsDouble(s))));
  }

  private void counter(String name, String help, ToDoubleFunction<Stats> f) {
    CounterWithCallback.builder().name(name).help(help)
        .callback(cb -> snapshots.with(s -> cb.call(f.applyAsDouble(s.stats())))).register(registry);
  }

  /** One snapshot per scrape: the first gauge asks the loop, the others within a second reuse it. */
  static final class Snapshots {
    private final SnapshotSource source;
    private @Nullable LoopSnapshot last;
    private long lastAt;

    Snapshots(SnapshotSource source) {
      this.source = source;
    }

    synchronized void with(Consumer<LoopSnapshot> use) {
      long now = System.nanoTime();
      if (last == null || now - lastAt > TimeUnit.SECONDS.toNanos(1)) {
        try {
          last = source.get(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          last = null;
        }
        lastAt = now;
      }
      LoopSnapshot s = last;
      if (s != null) {
        use.accept(s);
      }
    }
  }
}
