package dev.spc.server.loop;

import dev.spc.proto.store.StoredJob;
import java.util.List;

/**
 * Where the loop hands each batch's durable changes. Implementations commit asynchronously and
 * answer with {@link Msg.Committed} or {@link Msg.CommitFailed} for the batch number.
 */
public interface Persistence {
  void persist(long batchNo, List<StoredJob> upserts, List<Long> deletes);

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
    public void persist(long batchNo, List<StoredJob> upserts, List<Long> deletes) {
      throw new IllegalStateException("an in-memory coordinator stores nothing");
    }

    @Override
    public boolean commitsAtOnce() {
      return true;
    }
  };
}
