package dev.spc.server.store;

import dev.spc.common.Log;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.Persistence;
import dev.spc.server.loop.Persistence.JobRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: the event loop hands over each batch's changes and goes on; this thread commits
 * whatever has queued up in one transaction (one fsync), then reports the highest batch now
 * durable. A failed commit is reported and retried every half second with everything queued
 * since, so nothing handed over is dropped.
 */
public final class StoreWriter implements Persistence, AutoCloseable {
  private static final Log log = Log.get(StoreWriter.class);
  private static final long RETRY_MS = 500;

  /** Told, on the writer thread, how commits went. */
  public interface Listener {
    void committed(long upToBatch);

    void failed(long upToBatch, String error);

    /** A commit of {@code rows} changed jobs took {@code nanos} (for metrics). */
    default void timed(int rows, long nanos) {}
  }

  private record Batch(long no, Changes changes) {}

  private static final Batch STOP = new Batch(-1, new Changes(List.of(), List.of()));

  private final JobStore store;
  private final BlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile @Nullable Listener listener;
  private volatile boolean closed;

  public StoreWriter(JobStore store) {
    this.store = store;
    this.thread = Thread.ofPlatform().name("spc-store").daemon(true).unstarted(this::run);
  }

  public StoreWriter start(Listener l) {
    this.listener = l;
    thread.start();
    return this;
  }

  @Override
  public void persist(long batchNo, Changes changes) {
    queue.add(new Batch(batchNo, changes));
  }

  private Listener listener() {
    return java.util.Objects.requireNonNull(listener, "started with a listener");
  }

  @SuppressWarnings("ReferenceEquality") // STOP is a sentinel: the very object, not an equal one
  private void run() {
    // A store that appends keeps every row in order and folds them itself, so the rows of the
    // batches taken at once go as they came; one that writes rows in place gets each job once.
    boolean coalesce = !store.appends();
    Map<Long, JobRow> upserts = new LinkedHashMap<>();
    List<JobRow> appended = new ArrayList<>();
    Set<Long> deletes = new LinkedHashSet<>();
    Map<String, StoredSchedule> schedules = new LinkedHashMap<>();
    Set<String> schedulesDeleted = new LinkedHashSet<>();
    Map<String, String> settings = new LinkedHashMap<>();
    long upTo = 0;
    boolean failing = false;
    try {
      while (true) {
        Batch b = failing ? queue.poll(RETRY_MS, TimeUnit.MILLISECONDS) : queue.take();
        boolean stop = false;
        while (b != null) {
          if (b == STOP) {
            stop = true;
            break;
          }
          if (!coalesce) {
            appended.addAll(b.changes().upserts());
            deletes.addAll(b.changes().deletes()); // a job deleted is never written again
          } else {
            for (JobRow j : b.changes().upserts()) {
              JobRow earlier = upserts.put(j.seq(), j);
              if (earlier != null) {
                upserts.put(j.seq(), j.after(earlier)); // the fixed part, if it came earlier, still goes
              }
              deletes.remove(j.seq());
            }
            for (long seq : b.changes().deletes()) {
              upserts.remove(seq);
              deletes.add(seq);
            }
          }
          for (String id : b.changes().schedulesDeleted()) {
            schedules.remove(id);
            schedulesDeleted.add(id);
          }
          for (StoredSchedule sc : b.changes().schedules()) {
            schedules.put(sc.getSchedule().getScheduleId(), sc);
          }
          settings.putAll(b.changes().settings());
          upTo = Math.max(upTo, b.no());
          b = queue.poll();
        }
        Collection<JobRow> rows = coalesce ? upserts.values() : appended;
        if (!rows.isEmpty() || !deletes.isEmpty() || !schedules.isEmpty() || !schedulesDeleted.isEmpty()
            || !settings.isEmpty()) {
          try {
            long t0 = System.nanoTime();
            store.commit(rows, deletes, schedules.values(), schedulesDeleted, settings);
            listener().timed(rows.size() + deletes.size(), System.nanoTime() - t0);
            settings.clear();
            upserts.clear();
            appended.clear();
            deletes.clear();
            schedules.clear();
            schedulesDeleted.clear();
            if (failing) {
              log.info("storage is writable again");
            }
            failing = false;
            listener().committed(upTo);
          } catch (JobStore.StoreException e) {
            if (!failing) {
              log.warn("storage failed; refusing writes until it recovers", "error", String.valueOf(e.getMessage()));
            }
            failing = true;
            listener().failed(upTo, String.valueOf(e.getMessage()));
          }
        }
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Commits what is queued (if the storage allows) and stops. */
  @Override
  public void close() throws InterruptedException {
    if (!closed) {
      closed = true;
      queue.add(STOP);
      thread.join(10_000);
    }
  }
}
