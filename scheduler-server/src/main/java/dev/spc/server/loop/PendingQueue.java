package dev.spc.server.loop;

import dev.spc.proto.JobState;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The pending jobs of one type in scheduling order: a FIFO per priority, highest priority first.
 * Adding and taking are O(1) for the usual single priority. A job that leaves the queue any
 * other way (cancel) is skipped when reached, and the queues are compacted when such dead
 * entries outnumber the live ones.
 */
final class PendingQueue {
  private static final int COMPACT_AT = 4096;

  private final TreeMap<Integer, ArrayDeque<JobRecord>> byPriority =
      new TreeMap<>(Comparator.reverseOrder());
  private int live;
  private int dead;
  /** The constraints every job here has (empty for none), or null for a concurrency key's queue. */
  final java.util.@Nullable Map<String, String> constraints;
  /** The concurrency key whose held-back jobs wait here, or null for a type's queue. */
  final @Nullable String key;

  /** A queue of jobs of one type with these constraints. */
  PendingQueue(Map<String, String> constraints) {
    this.constraints = constraints;
    this.key = null;
  }

  /** The jobs a concurrency key holds back. */
  PendingQueue(String key) {
    this.constraints = null;
    this.key = key;
  }

  /** A queue of jobs of one type without constraints. */
  PendingQueue() {
    this(Map.of());
  }

  void add(JobRecord job) {
    byPriority.computeIfAbsent(job.spec.getPriority(), p -> new ArrayDeque<>()).addLast(job);
    job.queue = this;
    live++;
  }

  /** Puts back a job that was at the head (held back, then let go): it runs next of its priority. */
  void addFirst(JobRecord job) {
    byPriority.computeIfAbsent(job.spec.getPriority(), p -> new ArrayDeque<>()).addFirst(job);
    job.queue = this;
    live++;
  }

  int size() {
    return live;
  }

  boolean isEmpty() {
    return live == 0;
  }

  /** The next job to run, without taking it; null when empty. */
  @Nullable JobRecord peek() {
    while (!byPriority.isEmpty()) {
      Map.Entry<Integer, ArrayDeque<JobRecord>> first = byPriority.firstEntry();
      ArrayDeque<JobRecord> q = first.getValue();
      while (!q.isEmpty() && q.peekFirst().state != JobState.JOB_STATE_PENDING) {
        q.pollFirst();
        dead--;
      }
      if (!q.isEmpty()) {
        return q.peekFirst();
      }
      byPriority.pollFirstEntry();
    }
    return null;
  }

  /** Takes the next job to run; null when empty. */
  @Nullable JobRecord poll() {
    JobRecord job = peek();
    if (job != null) {
      byPriority.firstEntry().getValue().pollFirst();
      live--;
      job.queue = null;
    }
    return job;
  }

  /** A job of this queue stopped being pending some other way; it is skipped from now on. */
  void removed() {
    live--;
    dead++;
    if (dead > COMPACT_AT && dead > live) {
      byPriority.values().removeIf(q -> {
        q.removeIf(j -> j.state != JobState.JOB_STATE_PENDING);
        return q.isEmpty();
      });
      dead = 0;
    }
  }

  /** Counts the pending jobs here by priority ({@code count.accept(priority, n)}): O(entries). */
  void countByPriority(java.util.function.ObjIntConsumer<Integer> count) {
    for (Map.Entry<Integer, ArrayDeque<JobRecord>> e : byPriority.entrySet()) {
      int n = 0;
      for (JobRecord j : e.getValue()) {
        if (j.state == JobState.JOB_STATE_PENDING) {
          n++;
        }
      }
      if (n > 0) {
        count.accept(e.getKey(), n);
      }
    }
  }

  /** When the longest-waiting job here was submitted; null when empty. O(priorities). */
  java.time.@Nullable Instant oldestSubmit() {
    java.time.Instant oldest = null;
    for (ArrayDeque<JobRecord> q : byPriority.values()) {
      for (JobRecord j : q) {
        if (j.state == JobState.JOB_STATE_PENDING) {
          oldest = oldest == null || j.submittedAt.isBefore(oldest) ? j.submittedAt : oldest;
          break; // FIFO within a priority: the first live one is its oldest
        }
      }
    }
    return oldest;
  }
}
