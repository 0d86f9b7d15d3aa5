package dev.spc.server.store;

import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.Persistence.JobRow;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a durable coordinator keeps its jobs. One writer thread calls {@link #commit}; a commit
 * that returns is on stable storage.
 */
public interface JobStore extends AutoCloseable {
  /**
   * What the store held at open: the coordinator's id prefix (null on first open), the jobs and
   * the schedules, and operators' settings.
   */
  record Recovered(@Nullable String incarnation, Iterable<StoredJob> jobs, List<StoredSchedule> schedules,
      java.util.Map<String, String> settings) {}

  /**
   * Reads everything back, the jobs in sequence order: they may be read as they are walked
   * (once, and before the store is written), and then a failure reading them is {@link Unreadable}.
   */
  Recovered load() throws StoreException;

  /** Records the id prefix of this data directory, durably. */
  void saveIncarnation(String incarnation) throws StoreException;

  /**
   * Starts a new term of a coordinator that runs alone: increments the store's term counter
   * durably and returns it (1 the first time). Ids issued in it are the term's own ({@code
   * JobIds}); a cluster's leaders use their epochs instead.
   */
  long nextTerm() throws StoreException;

  /**
   * Upserts these jobs and deletes those sequences, upserts these schedules and deletes those
   * ids, atomically and durably. A job's row with a fixed part replaces the job's row whole; one
   * without replaces only its state ({@link JobRow}).
   */
  void commit(Collection<JobRow> upserts, Collection<Long> deletes,
      Collection<StoredSchedule> schedules, Collection<String> schedulesDeleted,
      java.util.Map<String, String> settings) throws StoreException;

  /** {@link #commit(Collection, Collection, Collection, Collection, java.util.Map)} of jobs alone. */
  default void commit(Collection<JobRow> upserts, Collection<Long> deletes) throws StoreException {
    commit(upserts, deletes, List.of(), List.of(), java.util.Map.of());
  }

  /**
   * Whether the store appends each row it is given and folds a job's rows itself (a log): then a
   * commit may carry several rows of a job, in the order they were made, and the writer passes
   * them on as they came instead of keeping each job's latest.
   */
  default boolean appends() {
    return false;
  }

  /** Settings are kept in the store's key-value table under this prefix. */
  String SETTING_PREFIX = "setting.";

  @Override
  void close() throws StoreException;

  /** A store that failed while its jobs were walked (see {@link #load}); the cause says how. */
  final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unreadable(StoreException cause) {
      super(cause.getMessage(), cause);
    }

    public StoreException store() {
      return (StoreException) java.util.Objects.requireNonNull(getCause());
    }
  }

  /** A read or write that did not reach stable storage. */
  final class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
