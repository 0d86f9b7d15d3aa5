package dev.spc.server.loop;

import dev.spc.proto.JobSpec;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

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

  /** Fires at {@code at} or later: milliseconds rounded up, so never before it. */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // the part of a millisecond: getNano() is it
  void add(Instant at, JobRecord job, Kind kind) {
    long ms = at.toEpochMilli() + (at.getNano() % 1_000_000 == 0 ? 0 : 1);
    heap.add(new Entry(ms, seq++, job, kind));
  }

  /** Hands every entry due at {@code now} to {@code fire}, earliest first. */
  void fire(Instant now, BiConsumer<JobRecord, Kind> fire) {
    long t = now.toEpochMilli();
    while (!heap.isEmpty() && heap.peek().atMillis() <= t) {
      Entry e = heap.poll();
      fire.accept(e.job(), e.kind());
    }
  }

  /** When the earliest entry is due, in epoch milliseconds; Long.MAX_VALUE when there is none. */
  long nextAtMillis() {
    Entry e = heap.peek();
    return e == null ? Long.MAX_VALUE : e.atMillis();
  }

  int size() {
    return heap.size();
  }

  /** When a job asking for a later start may start, or null. */
  static @Nullable Instant startTime(JobSpec spec, Instant submittedAt) {
    if (spec.hasStartAt()) {
      return Instant.ofEpochSecond(spec.getStartAt().getSeconds(), spec.getStartAt().getNanos());
    }
    if (spec.hasStartAfter()) {
      return submittedAt.plusMillis(Retries.millis(spec.getStartAfter()));
    }
    return null;
  }

  static Instant expiry(JobRecord job) {
    return job.submittedAt.plusMillis(Retries.millis(job.spec.getExpireAfter()));
  }
}
