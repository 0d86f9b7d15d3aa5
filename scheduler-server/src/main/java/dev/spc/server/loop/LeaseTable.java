package dev.spc.server.loop;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Every lease that holds a slot, by id, with the deadlines of the live ones. A lease is created
 * LIVE (granted or re-adopted) or FOREIGN (reported by an agent, unknown here); a LIVE one becomes
 * STOPPING when its job ends at the coordinator; any is removed when its slot is free again.
 *
 * <p>Lease ids derive from the term, as job ids do ({@link JobIds}): the term times 2^40 plus a
 * counter, so every term issues its own ids (2^40 leases per term, 2^23 terms) whatever the
 * clocks of a cluster's members say. An in-memory coordinator (term 0) starts at its start time
 * in milliseconds times a million, above every id an earlier start could have issued.
 */
final class LeaseTable {
  private final Map<Long, LeaseRecord> byId = new HashMap<>();
  private final Deadlines deadlines = new Deadlines();
  private final long base;
  private long nextSeq = 1;

  LeaseTable(long base) {
    this.base = base;
  }

  /** The first id of a coordinator alone that started at {@code startMillis}. */
  static long timeBase(long startMillis) {
    return startMillis * 1_000_000L;
  }

  /** The first id of a term: a leader's epoch, or a durable coordinator's start count. */
  static long termBase(long term) {
    return JobIds.base(term);
  }

  /** A new live lease of {@code job} on {@code w}, holding one of its slots. */
  LeaseRecord grant(JobRecord job, WorkerRecord w, int maxSeconds, long deadlineNanos) {
    return add(LeaseRecord.live(base + nextSeq++, job, w, maxSeconds, deadlineNanos));
  }

  /** A lease from before a restart, live again with the id it had. */
  LeaseRecord adopt(long id, JobRecord job, WorkerRecord w, int maxSeconds, long deadlineNanos) {
    return add(LeaseRecord.live(id, job, w, maxSeconds, deadlineNanos));
  }

  /** A lease an agent runs that is not (or no longer) one of ours: it holds a slot until stopped. */
  LeaseRecord foreign(long id, WorkerRecord w) {
    LeaseRecord l = LeaseRecord.foreign(id, w);
    w.occupied.put(id, l);
    return l;
  }

  private LeaseRecord add(LeaseRecord l) {
    byId.put(l.id, l);
    l.worker.occupied.put(l.id, l);
    l.job().lease = l;
    deadlines.add(l);
    return l;
  }

  @Nullable LeaseRecord get(long id) {
    return byId.get(id);
  }

  /** The lease no longer carries its job (LIVE to STOPPING): its deadline is void. */
  void stop(LeaseRecord l) {
    if (l.stop()) {
      deadlines.ended(l);
    }
  }

  /** The slot is free again: the lease is gone from the table and from its worker. */
  void release(LeaseRecord l) {
    byId.remove(l.id, l); // a foreign lease is not in the table, even if its id is someone's
    l.worker.occupied.remove(l.id, l);
  }

  /** The worker left: its leases are forgotten (the caller has decided their jobs' fate). */
  void releaseAll(WorkerRecord w) {
    for (LeaseRecord l : w.occupied.values()) {
      byId.remove(l.id, l);
    }
    w.occupied.clear();
  }

  /** Hands every live lease whose deadline is at or before {@code nowNanos} to {@code expired}. */
  void expire(long nowNanos, Consumer<LeaseRecord> expired) {
    deadlines.expire(nowNanos, expired);
  }

  int liveCount() {
    int n = 0;
    for (LeaseRecord l : byId.values()) {
      if (l.isLive()) {
        n++;
      }
    }
    return n;
  }
}
