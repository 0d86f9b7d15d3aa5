package dev.spc.server.loop;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntPredicate;
import org.jspecify.annotations.Nullable;

/**
 * The pending jobs, in one queue per type, or per type and set of constraints for jobs that have
 * constraints (so a job no free worker may take does not hold back the others of its type), and
 * the choice of the job a free worker runs next.
 */
final class PendingQueues {
  private static final class TypeQueues {
    final PendingQueue plain = new PendingQueue();
    /** Jobs with constraints, by their constraints; empty queues are dropped when met. */
    @Nullable LinkedHashMap<Map<String, String>, PendingQueue> constrained;
  }

  private final Map<String, TypeQueues> byType = new HashMap<>();

  /** A job that became pending: at the end of its queue. */
  void add(JobRecord job) {
    queueFor(job).add(job);
  }

  /** A job a concurrency key held back and now lets go: first of its priority in its queue. */
  void putBack(JobRecord job) {
    queueFor(job).addFirst(job);
  }

  /** A pending job stopped being pending other than by being taken (cancel, expiry). */
  void removed(JobRecord job) {
    PendingQueue q = job.queue;
    if (q != null) {
      q.removed();
      job.queue = null;
    }
  }

  private PendingQueue queueFor(JobRecord job) {
    TypeQueues t = byType.computeIfAbsent(job.spec.getType(), k -> new TypeQueues());
    Map<String, String> constraints = job.constraints;
    if (constraints.isEmpty()) {
      return t.plain;
    }
    if (t.constrained == null) {
      t.constrained = new LinkedHashMap<>();
    }
    return t.constrained.computeIfAbsent(constraints, PendingQueue::new);
  }

  /**
   * The queue whose head {@code w} runs next: of the types it handles and the constraints its
   * labels meet, the one whose head runs first, leaving out types the rate limits hold back and
   * heads the access level does not admit; heads whose concurrency key is full are held back by
   * {@code keys} on the way. Null if none.
   */
  @Nullable PendingQueue best(WorkerRecord w, ConcurrencyKeys keys, RateLimits rates, IntPredicate admits) {
    PendingQueue best = null;
    JobRecord bestHead = null;
    for (String type : w.types) {
      TypeQueues t = byType.get(type);
      if (t == null || (t.plain.isEmpty() && t.constrained == null)) {
        continue;
      }
      if (!rates.open(type)) {
        continue;
      }
      JobRecord head = keys.head(t.plain);
      if (head != null && admits.test(head.spec.getPriority())
          && (bestHead == null || JobRecord.ORDER.compare(head, bestHead) < 0)) {
        best = t.plain;
        bestHead = head;
      }
      if (t.constrained != null) {
        for (Iterator<PendingQueue> it = t.constrained.values().iterator(); it.hasNext(); ) {
          PendingQueue q = it.next();
          if (q.isEmpty()) {
            it.remove();
            continue;
          }
          if (!Labels.matches(w.labels, java.util.Objects.requireNonNull(q.constraints))) {
            continue;
          }
          head = keys.head(q);
          if (head != null && admits.test(head.spec.getPriority())
              && (bestHead == null || JobRecord.ORDER.compare(head, bestHead) < 0)) {
            best = q;
            bestHead = head;
          }
        }
        if (t.constrained.isEmpty()) {
          t.constrained = null;
        }
      }
    }
    return best;
  }

  /** Every type's queues, for metrics. */
  void forEach(java.util.function.BiConsumer<String, PendingQueue> each) {
    for (Map.Entry<String, TypeQueues> e : byType.entrySet()) {
      each.accept(e.getKey(), e.getValue().plain);
      if (e.getValue().constrained != null) {
        for (PendingQueue q : e.getValue().constrained.values()) {
          each.accept(e.getKey(), q);
        }
      }
    }
  }
}
