package dev.spc.server.loop;

import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where the loop hands each batch's durable changes. Implementations commit asynchronously and
 * answer with {@link Msg.Committed} or {@link Msg.CommitFailed} for the batch number.
 */
public interface Persistence {
  /**
   * One batch's changes: jobs upserted and deleted (by sequence), schedules upserted and deleted,
   * and operators' settings (access level, limits) by name.
   */
  record Changes(List<JobRow> upserts, List<Long> deletes, List<StoredSchedule> schedules,
      List<String> schedulesDeleted, java.util.Map<String, String> settings) {
    public Changes(List<JobRow> upserts, List<Long> deletes) {
      this(upserts, deletes, List.of(), List.of(), java.util.Map.of());
    }
  }

  /**
   * A job's stored row, keyed by its sequence. {@code state} holds what changes as the job goes on,
   * a serialized {@link StoredJob} ({@link StateRows}); {@code fixed}, another, what was settled at
   * submission (spec, id, batch, origin), comes with the job's first row and is null after: a store
   * keeps the fixed part it has and replaces the state. The two set disjoint fields, so the fixed
   * part with the state merged onto it is the whole row.
   */
  @SuppressWarnings("ArrayRecordComponent") // the bytes as stored; rows are never compared
  record JobRow(long seq, byte[] state, byte @Nullable [] fixed) {
    /** This row, keeping {@code earlier}'s fixed part if this one has none. */
    public JobRow after(JobRow earlier) {
      return fixed != null || earlier.fixed == null ? this : new JobRow(seq, state, earlier.fixed);
    }
  }

  void persist(long batchNo, Changes changes);

  /**
   * Whether every change counts as stored the moment it is made (nothing is written): then no
   * reply or send waits, and no stored row is ever built.
   */
  default boolean commitsAtOnce() {
    return false;
  }

  /** In-memory mode: nothing survives a restart, and nothing waits for storage. */
  Persistence IN_MEMORY = new Persistence() {
    @Override
    public void persist(long batchNo, Changes changes) {
      throw new IllegalStateException("an in-memory coordinator stores nothing");
    }

    @Override
    public boolean commitsAtOnce() {
      return true;
    }
  };
}
