package dev.spc.server.loop;

import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import java.util.List;

/**
 * Where the loop hands each batch's durable changes. Implementations commit asynchronously and
 * answer with {@link Msg.Committed} or {@link Msg.CommitFailed} for the batch number.
 */
public interface Persistence {
  /**
   * One batch's changes: jobs upserted and deleted (by sequence), schedules upserted and deleted,
   * and operators' settings (access level, limits) by name.
   */
  record Changes(List<StoredJob> upserts, List<Long> deletes, List<StoredSchedule> schedules,
      List<String> schedulesDeleted, java.util.Map<String, String> settings) {
    public Changes(List<StoredJob> upserts, List<Long> deletes) {
      this(upserts, deletes, List.of(), List.of(), java.util.Map.of());
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
