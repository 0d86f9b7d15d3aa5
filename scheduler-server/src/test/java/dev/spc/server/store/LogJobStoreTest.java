package dev.spc.server.store;

import static dev.spc.server.store.SqliteJobStoreTest.fixed;
import static dev.spc.server.store.SqliteJobStoreTest.state;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobState;
import dev.spc.proto.Schedule;
import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.Persistence.JobRow;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log store on real files: commits read back whole, folded into snapshots, torn and damaged. */
class LogJobStoreTest {
  @TempDir Path dir;

  static List<StoredJob> load(JobStore store) throws Exception {
    List<StoredJob> rows = new ArrayList<>();
    store.load().jobs().forEach(rows::add);
    return rows;
  }

  static StoredSchedule schedule(String id) {
    return StoredSchedule.newBuilder().setSchedule(Schedule.newBuilder().setScheduleId(id)).build();
  }

  private List<String> files() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jobs-")).sorted().toList();
    }
  }

  @Test
  void jobsSchedulesAndSettings_readBackWhole_afterAReopen() throws Exception {
    try (LogJobStore store = new LogJobStore(dir)) {
      assertNull(store.load().incarnation());
      store.saveIncarnation("inc");
      assertEquals(1, store.nextTerm());
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), fixed(1, "a").toByteArray()),
          new JobRow(2, state(JobState.JOB_STATE_PENDING), fixed(2, "b").toByteArray()),
          new JobRow(3, state(JobState.JOB_STATE_PENDING), fixed(3, "c").toByteArray())), List.of(),
          List.of(schedule("s1"), schedule("s2")), List.of(), Map.of("paused.x", "true"));
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_RUNNING), null),
          new JobRow(2, state(JobState.JOB_STATE_DONE), null)), List.of(3L), List.of(), List.of("s1"), Map.of());
    }
    try (LogJobStore store = new LogJobStore(dir)) {
      JobStore.Recovered r = store.load();
      assertEquals("inc", r.incarnation());
      assertEquals(List.of("s2"), r.schedules().stream().map(s -> s.getSchedule().getScheduleId()).toList());
      assertEquals(Map.of("paused.x", "true"), r.settings());
      List<StoredJob> rows = new ArrayList<>();
      r.jobs().forEach(rows::add);
      assertEquals(2, rows.size());
      assertEquals("a", rows.get(0).getJob().getSpec().getType());
      assertEquals(JobState.JOB_STATE_RUNNING, rows.get(0).getJob().getState());
      assertEquals(1, rows.get(0).getBatchIndex());
      assertEquals("b", rows.get(1).getJob().getSpec().getType());
      assertEquals(JobState.JOB_STATE_DONE, rows.get(1).getJob().getState());
      assertEquals(2, store.nextTerm(), "the term counts on across starts");
    }
  }

  @Test
  void aCommitOfManyLargeRows_readsBack_inOneFrameOrSplitIntoMany() throws Exception {
    List<JobRow> rows = new ArrayList<>();
    for (long seq = 1; seq <= 2_000; seq++) {
      StoredJob f = fixed(seq, "t".repeat(300)); // 600 KB in all, past the encoder's first buffer
      rows.add(new JobRow(seq, state(JobState.JOB_STATE_PENDING), f.toByteArray()));
    }
    for (int split : new int[] {LogJobStore.FRAME_SPLIT, 10_000}) {
      Path d = dir.resolve("split-" + split);
      long size;
      try (LogJobStore store = new LogJobStore(d, LogJobStore.ROLL_MIN, split)) {
        store.commit(rows, List.of(5L));
        size = store.end();
      }
      try (LogJobStore store = new LogJobStore(d)) {
        assertEquals(size, store.end(), "nothing cut off");
        List<StoredJob> read = load(store);
        assertEquals(1_999, read.size());
        assertEquals(2_000, read.get(1_998).getBatchIndex());
        assertEquals(300, read.get(1_998).getJob().getSpec().getType().length());
      }
    }
  }

  /**
   * Random commits (new jobs, new states of old ones, deletions) on a store that rolls its log
   * every 16 KiB, so snapshots are folded while it is written; what a reopen reads must be what
   * a map of the same changes holds.
   */
  @Test
  void rollingAndFolding_whileCommitsGoOn_keepsExactlyWhatWasCommitted() throws Exception {
    SplittableRandom rnd = new SplittableRandom(17);
    TreeMap<Long, JobState> expected = new TreeMap<>();
    long nextSeq = 1;
    try (LogJobStore store = new LogJobStore(dir, 16 << 10)) {
      // as a coordinator opens a new store: reads it, saves its id, reads it again, then the jobs
      JobStore.Recovered first = store.load();
      store.saveIncarnation("inc");
      store.load();
      first.jobs().forEach(j -> {});
      for (int commit = 0; commit < 400; commit++) {
        List<JobRow> rows = new ArrayList<>();
        List<Long> deletes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          rows.add(new JobRow(nextSeq, state(JobState.JOB_STATE_PENDING), fixed(nextSeq, "t").toByteArray()));
          expected.put(nextSeq++, JobState.JOB_STATE_PENDING);
        }
        for (int i = 0; i < 10 && expected.size() > 20; i++) {
          long seq = expected.ceilingKey(1 + rnd.nextLong(nextSeq - 10));
          if (rows.stream().anyMatch(r -> r.seq() == seq) || deletes.contains(seq)) {
            continue;
          }
          if (rnd.nextInt(4) == 0) {
            deletes.add(seq);
            expected.remove(seq);
          } else {
            JobState s = rnd.nextBoolean() ? JobState.JOB_STATE_RUNNING : JobState.JOB_STATE_DONE;
            rows.add(new JobRow(seq, state(s), null));
            expected.put(seq, s);
          }
        }
        store.commit(rows, deletes);
        if (commit % 100 == 99) {
          long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while (files().stream().noneMatch(n -> n.endsWith(".snap")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
        }
      }
    }
    List<String> names = files();
    assertTrue(names.stream().anyMatch(n -> n.endsWith(".snap")), names.toString());
    assertTrue(names.stream().filter(n -> n.endsWith(".snap")).count() == 1, names.toString());
    try (LogJobStore store = new LogJobStore(dir, 16 << 10)) {
      assertEquals("inc", store.load().incarnation());
      TreeMap<Long, JobState> read = new TreeMap<>();
      long last = 0;
      for (StoredJob j : load(store)) {
        long seq = j.getBatchIndex();
        assertTrue(seq > last, "in sequence order");
        last = seq;
        assertEquals("t", j.getJob().getSpec().getType(), "job " + seq + " keeps its fixed part");
        read.put(seq, j.getJob().getState());
      }
      assertEquals(expected, read);
    }
  }

  @Test
  void anAppendCutShortByACrash_isCutOff_andTheCommitsBeforeItKept() throws Exception {
    try (LogJobStore store = new LogJobStore(dir)) {
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), fixed(1, "a").toByteArray())), List.of());
    }
    Path log = dir.resolve(files().get(0));
    long whole = Files.size(log);
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 5, 5, 5, 5, 9, 9, 9})); // a frame of 256 bytes, 3 here
    }
    try (LogJobStore store = new LogJobStore(dir)) {
      assertEquals(whole, Files.size(log), "the torn frame is cut off");
      assertEquals(1, load(store).size());
      store.commit(List.of(new JobRow(2, state(JobState.JOB_STATE_PENDING), fixed(2, "b").toByteArray())), List.of());
    }
    try (LogJobStore store = new LogJobStore(dir)) {
      assertEquals(List.of("a", "b"), load(store).stream().map(j -> j.getJob().getSpec().getType()).toList());
    }
  }

  @Test
  void aDamagedFrameWithCommitsAfterIt_refusesTheOpen_andTheFileIsLeftAlone() throws Exception {
    try (LogJobStore store = new LogJobStore(dir)) {
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), fixed(1, "a").toByteArray())), List.of());
      store.commit(List.of(new JobRow(2, state(JobState.JOB_STATE_PENDING), fixed(2, "b").toByteArray())), List.of());
    }
    Path log = dir.resolve(files().get(0));
    byte[] bytes = Files.readAllBytes(log);
    bytes[LogFormat.LOG_MAGIC.length + 12] ^= 0x40; // inside the first frame's payload
    Files.write(log, bytes);
    JobStore.StoreException e = assertThrows(JobStore.StoreException.class, () -> new LogJobStore(dir));
    assertTrue(e.getMessage().contains("fails its checksum") && e.getMessage().contains(log.toString()),
        e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(log));
  }

  @Test
  void aSecondStoreOnTheSameDirectory_isRefused_untilTheFirstCloses() throws Exception {
    try (LogJobStore first = new LogJobStore(dir)) {
      JobStore.StoreException e = assertThrows(JobStore.StoreException.class, () -> new LogJobStore(dir));
      assertTrue(e.getMessage().contains("in use by another coordinator"), e.getMessage());
    }
    new LogJobStore(dir).close();
  }

  @Test
  void whatAnInterruptedFoldLeftBehind_isCleanedUp_andTheNewestSnapshotRead() throws Exception {
    try (LogJobStore store = new LogJobStore(dir, 1)) {
      store.commit(List.of(new JobRow(1, state(JobState.JOB_STATE_PENDING), fixed(1, "a").toByteArray())), List.of());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!files().contains("jobs-0000000002.snap") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
    // a crash after the snapshot's rename, before the files it replaces were deleted, and a
    // half-written next snapshot
    Files.write(dir.resolve("jobs-0000000001.log"), LogFormat.LOG_MAGIC);
    Files.write(dir.resolve("jobs-0000000003.snap.tmp"), new byte[] {1, 2, 3});
    try (LogJobStore store = new LogJobStore(dir)) {
      assertEquals(List.of("jobs-0000000002.log", "jobs-0000000002.snap"), files());
      assertEquals(List.of("a"), load(store).stream().map(j -> j.getJob().getSpec().getType()).toList());
    }
  }

  @Test
  void aSupersededFile_isGivenBackInSteps_thenDeleted_andAMissingOneIsNoError() throws Exception {
    Path big = dir.resolve("jobs-0000000001.log");
    try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[1]), (20L << 20) + 5); // 20 MiB and a bit: three steps
    }
    java.util.concurrent.atomic.AtomicInteger cuts = new java.util.concurrent.atomic.AtomicInteger();
    LogFiles.release(big, () -> {
      cuts.incrementAndGet(); // asked before each cut
      return false;
    });
    assertEquals(2, cuts.get()); // cut to 12 MiB and to 4 MiB, then unlinked
    assertTrue(Files.notExists(big));
    LogFiles.release(big, () -> false);
    Path other = Files.write(dir.resolve("jobs-0000000002.snap"), new byte[100]);
    LogFiles.release(other, () -> true); // closing: at once
    assertTrue(Files.notExists(other));
  }

  @Test
  void theEngine_isTheOneTheDirectoryHolds_andTheOtherIsRefused() throws Exception {
    Path fresh = dir.resolve("fresh");
    try (JobStore s = StoreEngine.open(fresh, null)) {
      assertTrue(s instanceof LogJobStore);
    }
    Path old = dir.resolve("old");
    new SqliteJobStore(old).close();
    try (JobStore s = StoreEngine.open(old, null)) {
      assertTrue(s instanceof SqliteJobStore);
    }
    JobStore.StoreException e = assertThrows(JobStore.StoreException.class,
        () -> StoreEngine.open(old, StoreEngine.LOG));
    assertTrue(e.getMessage().startsWith("--store-engine log: the data directory " + old
        + " holds a sqlite store"), e.getMessage());
    assertEquals(StoreEngine.SQLITE, StoreEngine.named("sqlite"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> StoreEngine.named("rocks"));
    assertEquals("--store-engine 'rocks' is not a storage engine: use log or sqlite", bad.getMessage());
  }
}
