package dev.spc.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.Job;
import dev.spc.proto.store.StoredJob;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stored jobs read on a thread of their own arrive whole, in order, and a failure is told. */
class StreamedJobsTest {
  static byte[] row(int i) {
    return StoredJob.newBuilder().setJob(Job.newBuilder().setJobId("x-" + i)).build().toByteArray();
  }

  @Test
  void everyRowArrives_inOrder_acrossChunks() {
    for (int n : new int[] {0, 1, 1023, 1024, 1025, 50_000}) {
      StreamedJobs jobs = new StreamedJobs("test rows", sink -> {
        for (int i = 0; i < n; i++) {
          sink.accept(row(i));
        }
      });
      List<String> ids = new ArrayList<>();
      jobs.forEach(j -> ids.add(j.getJob().getJobId()));
      assertEquals(n, ids.size());
      for (int i = 0; i < n; i++) {
        assertEquals("x-" + i, ids.get(i));
      }
      assertThrows(IllegalStateException.class, jobs::iterator, "read once");
    }
  }

  @Test
  void aFailureWhileReading_endsTheWalkWithTheStoresError_afterTheRowsBeforeIt() {
    StreamedJobs jobs = new StreamedJobs("test rows", sink -> {
      for (int i = 0; i < 3000; i++) {
        sink.accept(row(i));
      }
      throw new java.sql.SQLException("disk I/O error");
    });
    List<StoredJob> seen = new ArrayList<>();
    JobStore.Unreadable e = assertThrows(JobStore.Unreadable.class, () -> jobs.forEach(seen::add));
    assertTrue(e.store().getMessage().contains("cannot read test rows: disk I/O error"), e.getMessage());
    assertEquals(2048, seen.size(), "the whole chunks before the failure");
  }

  @Test
  void aRowThatIsNotAStoredJob_isAFailureToo() {
    StreamedJobs jobs = new StreamedJobs("test rows", sink -> sink.accept(new byte[] {(byte) 0xff, 1, 2}));
    assertThrows(JobStore.Unreadable.class, () -> jobs.forEach(j -> { }));
  }
}
