package dev.spc.server.loop;

import dev.spc.proto.Lease;
import dev.spc.proto.StopJob;
import dev.spc.proto.store.StoredSchedule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one path every change, reply and send takes: nothing a batch changed is acknowledged until
 * it is on stable storage. In memory ({@link Persistence#commitsAtOnce()}) everything counts as
 * stored at once: replies and sends happen immediately and no stored row is built, so the state
 * machine has one execution path and in-memory mode pays nothing for it.
 *
 * <p>During a batch the loop marks the jobs it changed and, instead of answering and sending,
 * records effects: replies, and the leases and stop orders for each worker. At the end of the
 * batch the changed jobs go to the {@link Persistence} under a batch number and the effects wait
 * for that number to be committed. A batch that changed nothing still waits behind earlier
 * uncommitted ones, so that nobody sees state that could still be lost. Leases wait too: an agent
 * only ever runs a lease the store knows, which is what lets a restarted coordinator adopt it.
 *
 * <p>A failed commit fails the waiting replies with UNAVAILABLE (the store keeps retrying the
 * changes themselves) and marks the storage down until a commit succeeds.
 */
final class Durability {
  sealed interface Effect {
    record Ok(Reply<Object> reply, Object value) implements Effect {}

    record Fail(Reply<?> reply, Failure failure) implements Effect {}

    record Send(WorkerRecord worker, List<Lease> leases, List<StopJob> stops, @Nullable String confirmDrain,
        long resultsTaken)
        implements Effect {}

    record Run(Runnable action) implements Effect {}
  }

  private record Waiting(long batch, List<Effect> effects) {}

  private final Persistence persistence;
  private final boolean immediate;
  private final Consumer<Effect> run;
  /** The jobs this batch changed, each once ({@link JobRecord#dirty}), in the order first changed. */
  private final List<JobRecord> dirty = new ArrayList<>();
  private final List<Long> purged = new ArrayList<>();
  private final Map<String, ScheduleRecord> dirtySchedules = new LinkedHashMap<>();
  private final List<String> droppedSchedules = new ArrayList<>();
  private final Map<String, String> settings = new LinkedHashMap<>();
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private List<Effect> current = new ArrayList<>();
  private long batchNo;
  private boolean storageDown;
  private String storageError = "";

  /** Changes go to {@code persistence}; effects, once their batch is stored, to {@code run}. */
  Durability(Persistence persistence, Consumer<Effect> run) {
    this.persistence = persistence;
    this.immediate = persistence.commitsAtOnce();
    this.run = run;
  }

  boolean storageDown() {
    return storageDown;
  }

  String storageError() {
    return storageError;
  }

  /** A reply that is given only once everything changed so far is stored. */
  @SuppressWarnings("unchecked")
  <T> Reply<T> defer(Reply<T> r) {
    if (immediate) {
      return r;
    }
    return new Reply<>() {
      @Override
      public void ok(T value) {
        current.add(new Effect.Ok((Reply<Object>) r, value));
      }

      @Override
      public void fail(Failure failure) {
        if (failure.code() == Failure.Code.UNAVAILABLE) {
          r.fail(failure); // says nothing about state that could be lost: no need to wait
        } else {
          current.add(new Effect.Fail(r, failure));
        }
      }
    };
  }

  void changed(JobRecord job) {
    if (!immediate && !job.dirty) {
      job.dirty = true;
      dirty.add(job);
    }
  }

  void forgotten(JobRecord job) {
    if (!immediate) {
      job.dirty = false; // deleted, not written
      purged.add(job.seq);
    }
  }

  void changed(ScheduleRecord s) {
    if (!immediate) {
      droppedSchedules.remove(s.id);
      dirtySchedules.put(s.id, s);
    }
  }

  void dropped(String scheduleId) {
    if (!immediate) {
      dirtySchedules.remove(scheduleId);
      droppedSchedules.add(scheduleId);
    }
  }

  /** An operator's setting changed (stored under {@code name}). */
  void setting(String name, String value) {
    if (!immediate) {
      settings.put(name, value);
    }
  }

  /** Refuses a write while the storage is down (UNAVAILABLE, saying why); true if refused. */
  boolean refuseWrite(Reply<?> reply) {
    if (storageDown()) {
      reply.fail(Failure.unavailable("storage unavailable: " + storageError() + "; retry when it recovers"));
      return true;
    }
    return false;
  }

  /** Runs {@code action} once everything changed so far is stored. */
  void later(Runnable action) {
    effect(new Effect.Run(action));
  }

  /** Sends these to the worker once everything changed so far is stored. */
  void send(WorkerRecord w, List<Lease> leases, List<StopJob> stops, @Nullable String confirmDrain,
      long resultsTaken) {
    effect(new Effect.Send(w, leases, stops, confirmDrain, resultsTaken));
  }

  private void effect(Effect e) {
    if (immediate) {
      run.accept(e);
    } else {
      current.add(e);
    }
  }

  /**
   * Ends a batch: hands its changes over, and runs or parks its effects. An effect run here may
   * change state and record effects of its own (a shutdown returning held-back leases to pending,
   * a watcher told of that): those belong to the next batch, which stores them first.
   */
  void endBatch(Function<JobRecord, Persistence.JobRow> row, Function<ScheduleRecord, StoredSchedule> scheduleRow) {
    if (immediate) {
      return;
    }
    List<Effect> effects = current;
    current = new ArrayList<>();
    if (!dirty.isEmpty() || !purged.isEmpty() || !dirtySchedules.isEmpty() || !droppedSchedules.isEmpty()
        || !settings.isEmpty()) {
      List<Persistence.JobRow> rows = new ArrayList<>(dirty.size());
      for (JobRecord j : dirty) {
        if (j.dirty) {
          j.dirty = false;
          rows.add(row.apply(j));
        }
      }
      List<StoredSchedule> schedules = List.of();
      if (!dirtySchedules.isEmpty()) {
        schedules = new ArrayList<>(dirtySchedules.size());
        for (ScheduleRecord s : dirtySchedules.values()) {
          schedules.add(scheduleRow.apply(s));
        }
      }
      batchNo++;
      persistence.persist(batchNo, new Persistence.Changes(rows, List.copyOf(purged), schedules,
          List.copyOf(droppedSchedules), Map.copyOf(settings)));
      settings.clear();
      dirty.clear();
      purged.clear();
      dirtySchedules.clear();
      droppedSchedules.clear();
      waiting.add(new Waiting(batchNo, effects));
    } else if (waiting.isEmpty()) {
      effects.forEach(run);
    } else {
      waiting.peekLast().effects().addAll(effects);
    }
  }

  /** Batches up to {@code upTo} are durable: their effects happen now, in order. */
  void committed(long upTo) {
    storageDown = false;
    while (!waiting.isEmpty() && waiting.peekFirst().batch() <= upTo) {
      waiting.pollFirst().effects().forEach(run);
    }
  }

  /** Batches up to {@code upTo} are not durable yet: refuse their replies; keep the rest. */
  void failed(long upTo, String error) {
    storageDown = true;
    storageError = error;
    Failure f = Failure.unavailable("storage unavailable: " + error);
    for (Waiting w : waiting) {
      if (w.batch() > upTo) {
        break;
      }
      for (Iterator<Effect> it = w.effects().iterator(); it.hasNext(); ) {
        Effect e = it.next();
        if (e instanceof Effect.Ok ok) {
          ok.reply().fail(f);
          it.remove();
        } else if (e instanceof Effect.Fail fail) {
          fail.reply().fail(f);
          it.remove();
        }
      }
    }
  }
}
