package dev.spc.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.Job;
import dev.spc.proto.JobState;
import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.Persistence;
import dev.spc.server.loop.Persistence.JobRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The writer merges what queued while a commit failed, and a job's fixed part is never dropped. */
class StoreWriterTest {
  /** Fails commits until told; records the rows of the commit that got through. */
  static final class FlakyStore implements JobStore {
    volatile boolean failing = true;
    final boolean appends;
    final List<JobRow> committed = new ArrayList<>();
    final CountDownLatch failedOnce = new CountDownLatch(1);

    FlakyStore(boolean appends) {
      this.appends = appends;
    }

    @Override
    public boolean appends() {
      return appends;
    }

    @Override
    public Recovered load() {
      return new Recovered(null, List.of(), List.of(), Map.of());
    }

    @Override
    public void saveIncarnation(String incarnation) {}

    @Override
    public long nextTerm() {
      return 1;
    }

    @Override
    public synchronized void commit(Collection<JobRow> upserts, Collection<Long> deletes,
        Collection<StoredSchedule> schedules, Collection<String> schedulesDeleted, Map<String, String> settings)
        throws StoreException {
      if (failing) {
        failedOnce.countDown();
        throw new StoreException("disk full", null);
      }
      committed.addAll(upserts);
    }

    @Override
    public void close() {}
  }

  static byte[] state(JobState s) {
    return StoredJob.newBuilder().setJob(Job.newBuilder().setState(s)).build().toByteArray();
  }

  /**
   * Persists job 1's first row (with {@link #FIXED}), then (once a commit has failed) its next
   * state; waits for both.
   */
  static void firstRowThenState(FlakyStore store) throws Exception {
    CountDownLatch committed = new CountDownLatch(1);
    StoreWriter writer = new StoreWriter(store).start(new StoreWriter.Listener() {
      @Override
      public void committed(long upToBatch) {
        if (upToBatch == 2) {
          committed.countDown();
        }
      }

      @Override
      public void failed(long upToBatch, String error) {}
    });
    writer.persist(1, new Persistence.Changes(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), FIXED)),
        List.of()));
    assertTrue(store.failedOnce.await(10, TimeUnit.SECONDS));
    writer.persist(2, new Persistence.Changes(List.of(new JobRow(1, state(JobState.JOB_STATE_RUNNING), null)),
        List.of()));
    store.failing = false;
    assertTrue(committed.await(10, TimeUnit.SECONDS));
    writer.close();
  }

  static final byte[] FIXED = StoredJob.newBuilder().setJob(Job.newBuilder().setJobId("inc-1-1")).build().toByteArray();

  @Test
  void aStoreThatAppends_getsEveryRowInTheOrderMade_acrossAFailedCommit() throws Exception {
    FlakyStore store = new FlakyStore(true);
    firstRowThenState(store);
    synchronized (store) {
      assertEquals(2, store.committed.size());
      assertArrayEquals(FIXED, store.committed.get(0).fixed());
      assertEquals(JobState.JOB_STATE_PENDING, StoredJob.parseFrom(store.committed.get(0).state()).getJob().getState());
      assertEquals(null, store.committed.get(1).fixed());
      assertEquals(JobState.JOB_STATE_RUNNING, StoredJob.parseFrom(store.committed.get(1).state()).getJob().getState());
    }
  }

  @Test
  void aStateQueuedBehindAFailedCommit_goesWithTheFixedPartItFollows() throws Exception {
    FlakyStore store = new FlakyStore(false);
    firstRowThenState(store);
    synchronized (store) {
      assertEquals(1, store.committed.size());
      JobRow row = store.committed.get(0);
      assertArrayEquals(FIXED, row.fixed());
      assertEquals(JobState.JOB_STATE_RUNNING, StoredJob.parseFrom(row.state()).getJob().getState());
    }
  }
}
