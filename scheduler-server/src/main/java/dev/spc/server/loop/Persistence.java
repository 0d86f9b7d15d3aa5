package dev.spc.server.loop;

import dev.spc.proto.store.StoredJob;
import java.util.List;

/**
 * Where the loop hands each batch's durable changes. Implementations commit asynchronously and
 * answer with {@link Msg.Committed} or {@link Msg.CommitFailed} for the batch number.
 */
public interface Persistence {
  void persist(long batchNo, List<StoredJob> upserts, List<Long> deletes);
}
