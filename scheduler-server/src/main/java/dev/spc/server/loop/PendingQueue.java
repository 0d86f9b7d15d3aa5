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

  void add(JobRecord job) {
    byPriority.computeIfAbsent(job.spec.getPriority(), p -> new ArrayDeque<>()).addLast(job);
    live++;
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
}
