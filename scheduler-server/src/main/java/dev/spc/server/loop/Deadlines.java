package dev.spc.server.loop;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Lease deadlines. Leases with the same max_seconds expire in the order they were granted (the
 * clock is monotonic), so each max_seconds value gets a FIFO: adding is O(1), expiring pops from
 * the heads. A lease that ends early is skipped when reached; a FIFO is compacted when such
 * entries outnumber the live ones, so memory follows the running leases, not the finished ones.
 */
final class Deadlines {
  private static final int COMPACT_AT = 4096;

  private static final class Fifo {
    final ArrayDeque<LeaseRecord> q = new ArrayDeque<>();
    int dead;
  }

  private final Map<Integer, Fifo> byMaxSeconds = new HashMap<>();
  /** Leases added out of order (re-adopted after a restart): few, kept sorted. */
  private final java.util.PriorityQueue<LeaseRecord> late =
      new java.util.PriorityQueue<>((a, b) -> Long.compare(a.deadlineNanos, b.deadlineNanos));

  void add(LeaseRecord lease) {
    Fifo f = byMaxSeconds.computeIfAbsent(lease.maxSeconds, m -> new Fifo());
    if (!f.q.isEmpty() && f.q.peekLast().deadlineNanos - lease.deadlineNanos > 0) {
      late.add(lease);
    } else {
      f.q.addLast(lease);
    }
  }

  /** The lease ended before its deadline (it must no longer be live). */
  void ended(LeaseRecord lease) {
    if (!late.isEmpty() && late.remove(lease)) {
      return;
    }
    Fifo f = byMaxSeconds.get(lease.maxSeconds);
    if (f == null) {
      return;
    }
    f.dead++;
    if (f.dead > COMPACT_AT && f.dead * 2 > f.q.size()) {
      f.q.removeIf(l -> !l.isLive());
      f.dead = 0;
    }
  }

  /** Hands every live lease whose deadline is at or before {@code nowNanos} to {@code expired}. */
  void expire(long nowNanos, Consumer<LeaseRecord> expired) {
    while (!late.isEmpty() && late.peek().deadlineNanos - nowNanos <= 0) {
      LeaseRecord l = late.poll();
      if (l.isLive()) {
        expired.accept(l); // ends it; ended() finds it no longer in late
      }
    }
    for (Fifo f : byMaxSeconds.values()) {
      while (!f.q.isEmpty()) {
        LeaseRecord head = f.q.peekFirst();
        if (!head.isLive()) {
          f.q.pollFirst();
          f.dead--;
        } else if (head.deadlineNanos - nowNanos <= 0) {
          f.q.pollFirst();
          expired.accept(head); // ends the lease, which counts it dead: it is already gone
          f.dead--;
        } else {
          break;
        }
      }
    }
  }
}
