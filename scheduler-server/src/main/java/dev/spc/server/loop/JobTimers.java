package dev.spc.server.loop;

import java.time.Instant;
import java.util.PriorityQueue;
import java.util.function.BiConsumer;

/**
 * The times jobs wait for: a start time or a retry's backoff ({@link Kind#DUE}) and an expiry
 * ({@link Kind#EXPIRE}), in one heap by time. An entry is never removed early: when it fires, the
 * caller checks that it still applies (the job may have been cancelled, or its time moved), which
 * keeps cancelling cheap.
 */
final class JobTimers {
  /** What a timer is for. */
  enum Kind {
    DUE,
    EXPIRE
  }

  private record Entry(long atMillis, long seq, JobRecord job, Kind kind) {}

  private final PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) ->
      a.atMillis() != b.atMillis() ? Long.compare(a.atMillis(), b.atMillis()) : Long.compare(a.seq(), b.seq()));
  private long seq;

  void add(Instant at, JobRecord job, Kind kind) {
    heap.add(new Entry(at.toEpochMilli(), seq++, job, kind));
  }

  /** Hands every entry due at {@code now} to {@code fire}, earliest first. */
  void fire(Instant now, BiConsumer<JobRecord, Kind> fire) {
    long t = now.toEpochMilli();
    while (!heap.isEmpty() && heap.peek().atMillis() <= t) {
      Entry e = heap.poll();
      fire.accept(e.job(), e.kind());
    }
  }

  int size() {
    return heap.size();
  }
}
