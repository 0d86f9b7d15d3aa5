package dev.spc.server.metrics;

import dev.spc.proto.DoneReason;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The loop's own counts ({@link LoopCounts}) as Prometheus metrics, from a scrape's snapshot. */
final class LoopCollector implements MultiCollector {
  private final CoordinatorMetrics.Snapshots snapshots;

  LoopCollector(CoordinatorMetrics.Snapshots snapshots) {
    this.snapshots = snapshots;
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> out = new ArrayList<>();
    snapshots.with(s -> {
      if (!(s.counted() instanceof LoopCounts c)) {
        return;
      }
      out.add(histogram("spc_job_wait_seconds", "From submit to the start of the first attempt.", c.wait));
      out.add(histogram("spc_job_run_seconds", "From start to done, of the last attempt of each"
          + " finished job.", c.run));
      CounterSnapshot.Builder finished = CounterSnapshot.builder().name("spc_jobs_finished")
          .help("Jobs done, by type and outcome.");
      c.finished.forEach((type, byReason) -> {
        for (int i = 0; i < byReason.length; i++) {
          if (byReason[i] > 0) {
            DoneReason r = DoneReason.forNumber(i);
            String outcome = r == null ? "unknown"
                : r.name().replace("DONE_REASON_", "").toLowerCase(java.util.Locale.ROOT);
            finished.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(byReason[i])
                .labels(Labels.of("outcome", outcome, "type", type)).build());
          }
        }
      });
      out.add(finished.build());
      out.add(counter("spc_workers_lost", "Workers whose stream ended or went silent past the"
          + " heartbeat timeout.", c.workersLost));
      out.add(counter("spc_loop_busy_seconds", "Time the event loop spent handling messages and"
          + " dispatching (its busy fraction is the rate of this).", c.busyNanos / 1e9));
      out.add(HistogramSnapshot.builder().name("spc_loop_batch_messages")
          .help("Messages the event loop handled per batch.").dataPoint(point(c.batches, Labels.EMPTY))
          .build());
    });
    return new MetricSnapshots(out);
  }

  private static HistogramSnapshot histogram(String name, String help, Map<String, LoopCounts.Hist> byType) {
    HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help);
    byType.forEach((type, h) -> b.dataPoint(point(h, Labels.of("type", type))));
    return b.build();
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot point(LoopCounts.Hist h, Labels labels) {
    return HistogramSnapshot.HistogramDataPointSnapshot.builder()
        .classicHistogramBuckets(ClassicHistogramBuckets.of(h.bounds, h.counts)).sum(h.sum)
        .labels(labels).build();
  }

  private static CounterSnapshot counter(String name, String help, double value) {
    return CounterSnapshot.builder().name(name).help(help)
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
  }
}
