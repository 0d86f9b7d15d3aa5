package dev.spc.server.loop;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link LoopSnapshot}: O(pending jobs) for the counts by priority (a million pending
 * jobs cost the loop a few milliseconds per scrape), O(queues, workers, running) for the rest.
 */
final class MetricsView {
  private MetricsView() {}

  static LoopSnapshot snapshot(dev.spc.proto.Stats stats, JobTable jobs, WorkerRegistry workers,
      Instant now, LoopMetrics metrics) {
    Map<String, Map<Integer, long[]>> byType = new TreeMap<>();
    Map<String, Double> oldest = new TreeMap<>();
    jobs.queues().forEach((type, q) -> {
      if (q.isEmpty()) {
        return;
      }
      Map<Integer, long[]> byPriority = byType.computeIfAbsent(type, t -> new TreeMap<>());
      q.countByPriority((priority, n) -> byPriority.computeIfAbsent(priority, p -> new long[1])[0] += n);
      Instant o = q.oldestSubmit();
      if (o != null) {
        double waited = Math.max(0, Duration.between(o, now).toNanos() / 1e9);
        oldest.merge(type, waited, Math::max);
      }
    });
    List<LoopSnapshot.Pending> pending = new ArrayList<>();
    byType.forEach((type, m) -> m.forEach((p, n) -> pending.add(new LoopSnapshot.Pending(type, p, n[0]))));
    Map<String, Integer> running = new HashMap<>();
    long unsent = 0;
    long stuck = 0;
    for (WorkerRecord w : workers.all()) {
      for (LeaseRecord l : w.occupied.values()) {
        if (l.state() != LeaseRecord.State.FOREIGN) {
          running.merge(l.job().spec.getType(), 1, Integer::sum);
        }
      }
      unsent += w.heldBack.size();
      stuck += w.stuck.size();
    }
    return new LoopSnapshot(stats, pending, oldest, running, jobs.keys().heldCount(), unsent, stuck,
        metrics.copy());
  }
}
