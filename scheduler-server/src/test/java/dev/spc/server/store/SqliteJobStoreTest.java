package dev.spc.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.store.StoredJob;
import dev.spc.server.loop.Persistence.JobRow;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows in two parts on a real SQLite file: written, replaced, read back whole; older files too. */
class SqliteJobStoreTest {
  @TempDir Path dir;

  static StoredJob fixed(long seq, String type) {
    return StoredJob.newBuilder().setJob(Job.newBuilder().setJobId("inc-1-" + seq)
        .setSpec(JobSpec.newBuilder().setType(type))).setBatchKey("k").setBatchIndex((int) seq).build();
  }

  static byte[] state(JobState s) {
    return StoredJob.newBuilder().setJob(Job.newBuilder().setState(s).setWorker("w")).build().toByteArray();
  }

  static List<StoredJob> load(SqliteJobStore store) throws Exception {
    List<StoredJob> rows = new ArrayList<>();
    store.load().jobs().forEach(rows::add);
    return rows;
  }

  @Test
  void theFixedPartIsKept_whileTheStateIsReplaced_andRowsReadBackWhole() throws Exception {
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), fixed(1, "a").toByteArray()),
          new JobRow(2, state(JobState.JOB_STATE_PENDING), fixed(2, "b").toByteArray()),
          new JobRow(3, state(JobState.JOB_STATE_PENDING), fixed(3, "c").toByteArray())), List.of());
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_RUNNING), null),
          new JobRow(2, state(JobState.JOB_STATE_DONE), null)), List.of(3L));
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      List<StoredJob> rows = load(store);
      assertEquals(2, rows.size());
      assertEquals("inc-1-1", rows.get(0).getJob().getJobId());
      assertEquals("a", rows.get(0).getJob().getSpec().getType());
      assertEquals(JobState.JOB_STATE_RUNNING, rows.get(0).getJob().getState());
      assertEquals(1, rows.get(0).getBatchIndex());
      assertEquals("b", rows.get(1).getJob().getSpec().getType());
      assertEquals(JobState.JOB_STATE_DONE, rows.get(1).getJob().getState());
      assertEquals("w", rows.get(1).getJob().getWorker());
    }
  }

  @Test
  void everyByteValue_survivesTheRowsPartsBeingJoinedOnRead() throws Exception {
    byte[] all = new byte[512]; // every byte value, NUL and bytes that are not UTF-8 included
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    StoredJob f = StoredJob.newBuilder().setJob(Job.newBuilder().setJobId("inc-1-1").setSpec(JobSpec.newBuilder()
        .setType("t").setPayload(com.google.protobuf.ByteString.copyFrom(all)))).build();
    StoredJob st = StoredJob.newBuilder().setJob(Job.newBuilder().setState(JobState.JOB_STATE_DONE)
        .setResult(com.google.protobuf.ByteString.copyFrom(all))).build();
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      store.commit(List.of(new JobRow(1, st.toByteArray(), f.toByteArray())), List.of());
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      assertEquals(List.of(f.toBuilder().mergeFrom(st).build()), load(store));
    }
  }

  @Test
  void manyRowsInOneCommit_eachWriteTheirOwnJob() throws Exception {
    int n = 150; // two statements' worth of new rows and of states, and some left over
    List<JobRow> first = new ArrayList<>();
    List<JobRow> next = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      first.add(new JobRow(i, state(JobState.JOB_STATE_PENDING), fixed(i, "t" + i).toByteArray()));
      next.add(new JobRow(i, StoredJob.newBuilder().setJob(Job.newBuilder().setState(JobState.JOB_STATE_RUNNING)
          .setWorker("w" + i)).setLeaseId(1000 + i).build().toByteArray(), null));
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      store.commit(first, List.of());
      store.commit(next, List.of());
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      List<StoredJob> rows = load(store);
      assertEquals(n, rows.size());
      for (int i = 1; i <= n; i++) {
        StoredJob r = rows.get(i - 1);
        assertEquals("inc-1-" + i, r.getJob().getJobId());
        assertEquals("t" + i, r.getJob().getSpec().getType());
        assertEquals("w" + i, r.getJob().getWorker());
        assertEquals(1000 + i, r.getLeaseId());
        assertEquals(JobState.JOB_STATE_RUNNING, r.getJob().getState());
      }
    }
  }

  @Test
  void aFileOfRowsStoredWhole_isUpgraded_andItsRowsStillRead() throws Exception {
    StoredJob whole = fixed(5, "old").toBuilder().mergeFrom(state(JobState.JOB_STATE_PENDING)).build();
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spc.db"));
        Statement s = db.createStatement()) {
      s.execute("CREATE TABLE jobs (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)");
      try (PreparedStatement p = db.prepareStatement("INSERT INTO jobs VALUES (5, ?)")) {
        p.setBytes(1, whole.toByteArray());
        p.executeUpdate();
      }
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      assertEquals(List.of(whole), load(store));
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      store.commit(List.of(new JobRow(5, state(JobState.JOB_STATE_RUNNING), fixed(5, "old").toByteArray())),
          List.of());
      store.commit(List.of(new JobRow(5, state(JobState.JOB_STATE_SCHEDULED), null)), List.of());
    }
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      StoredJob back = load(store).get(0);
      assertEquals("old", back.getJob().getSpec().getType());
      assertEquals(JobState.JOB_STATE_SCHEDULED, back.getJob().getState());
    }
  }

  @Test
  void aFileOfANewerLayout_isRefused_andLeftAlone() throws Exception {
    try (SqliteJobStore store = new SqliteJobStore(dir)) {
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), fixed(1, "a").toByteArray())), List.of());
    }
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spc.db"));
        Statement s = db.createStatement()) {
      s.execute("PRAGMA user_version = 9");
    }
    JobStore.StoreException e = assertThrows(JobStore.StoreException.class, () -> new SqliteJobStore(dir));
    assertTrue(e.getMessage().contains("layout is version 9, newer than this coordinator knows (1)"),
        e.getMessage());
  }
}
