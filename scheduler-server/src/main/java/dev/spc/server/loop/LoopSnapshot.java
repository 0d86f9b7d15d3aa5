package dev.spc.server.loop;

import java.util.List;

/**
 * The loop's gauges at one moment, made on the loop thread for a metrics scrape.
 *
 * @param stats the counts GetStats answers
 * @param pending pending jobs by type and priority (jobs held back by a concurrency key not
 *     included: see {@code heldByKeys})
 * @param oldestPendingSeconds per type, how long its longest-waiting pending job has waited
 * @param running running jobs by type
 * @param heldByKeys pending jobs a full concurrency key holds back
 * @param unsentLeases leases held back by flow control (a worker's stream not ready)
 * @param stuckSlots slots whose job would not stop
 * @param counted what the loop's {@link LoopMetrics} counted, copied ({@link LoopMetrics#copy})
 */
public record LoopSnapshot(dev.spc.proto.Stats stats, List<Pending> pending,
    java.util.Map<String, Double> oldestPendingSeconds, java.util.Map<String, Integer> running,
    long heldByKeys, long unsentLeases, long stuckSlots,
    @org.jspecify.annotations.Nullable Object counted) {
  /** {@code count} pending jobs of {@code type} at {@code priority}. */
  public record Pending(String type, int priority, long count) {}
}
